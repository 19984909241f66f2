#!/usr/bin/env bash
# Removes what install.sh installed. Settings and call counts in the Freelane
# home folder (~/.config/freelane by default) are kept; delete it by hand if wanted.
set -euo pipefail

app_id=io.github.freelane.freelane
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
bin=$HOME/.local/bin/freelane

if command -v systemctl >/dev/null && systemctl --user show-environment >/dev/null 2>&1; then
	systemctl --user disable --now freelane.service 2>/dev/null || true
fi
# A service started with `freelane start` stops too; "not running" is fine.
if [[ -x $bin ]]; then
	"$bin" stop 2>/dev/null || true
fi

rm -f "$bin" \
	"$data_home/applications/$app_id.desktop" \
	"$data_home/icons/hicolor/512x512/apps/$app_id.png" \
	"$config_home/systemd/user/freelane.service"
# The tray's "Launch at login" entry: whichever autostart file runs this binary.
shopt -s nullglob
for entry in "$config_home"/autostart/*.desktop; do
	if grep -q "^Exec=.*$bin" "$entry"; then
		rm -f "$entry"
	fi
done

if command -v systemctl >/dev/null && systemctl --user show-environment >/dev/null 2>&1; then
	systemctl --user daemon-reload
fi
if command -v update-desktop-database >/dev/null; then
	update-desktop-database "$data_home/applications" || true
fi

echo "Freelane removed. Your settings folder was kept."
