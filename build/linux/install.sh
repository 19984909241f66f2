#!/usr/bin/env bash
# Installs Freelane for the current user (no root needed):
#   ~/.local/bin/freelane
#   ~/.local/share/applications/io.github.freelane.freelane.desktop
#   ~/.local/share/icons/hicolor/512x512/apps/io.github.freelane.freelane.png
#   ~/.config/systemd/user/freelane.service
# Run it from the unpacked release folder. uninstall.sh removes the same files.
set -euo pipefail

app_id=io.github.freelane.freelane
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
bin_dir=$HOME/.local/bin
apps_dir=$data_home/applications
icon_dir=$data_home/icons/hicolor/512x512/apps
unit_dir=$config_home/systemd/user

# Under sudo, $HOME may already be root's: the files would land in the wrong home.
if [[ -n ${SUDO_USER:-} ]]; then
	echo "install.sh installs for the current user; run it without sudo." >&2
	exit 1
fi

install -D -m 0755 "$here/freelane" "$bin_dir/freelane"
install -D -m 0644 "$here/$app_id.png" "$icon_dir/$app_id.png"
install -D -m 0644 "$here/freelane.service" "$unit_dir/freelane.service"
# The menu entry gets the absolute, quoted path: the session's PATH may lack ~/.local/bin.
mkdir -p "$apps_dir"
sed "s|^Exec=.*|Exec=\"$bin_dir/freelane\"|" "$here/$app_id.desktop" >"$apps_dir/$app_id.desktop"
chmod 0644 "$apps_dir/$app_id.desktop"

# Refresh the desktop's caches when the tools exist; menus pick the entry up anyway.
if command -v update-desktop-database >/dev/null; then
	update-desktop-database "$apps_dir" || true
fi
if command -v gtk-update-icon-cache >/dev/null; then
	gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
fi
if command -v systemctl >/dev/null && systemctl --user show-environment >/dev/null 2>&1; then
	systemctl --user daemon-reload
fi

echo "Freelane installed to $bin_dir/freelane."
echo "Start it from the applications menu (tray icon), or headless at login with:"
echo "  systemctl --user enable --now freelane"
case ":$PATH:" in
*":$bin_dir:"*) ;;
*) echo "Note: $bin_dir is not in PATH; add it to run 'freelane' from a terminal." ;;
esac
