// Command freelane gives every tool on this computer one local
// OpenAI-compatible endpoint backed by OpenRouter's free models.
//
//	freelane            the tray icon, which owns the proxy (headless where no tray can exist)
//	freelane [command] --home DIR   any of these on the home folder DIR
//	freelane serve      the proxy in the foreground, no tray
//	freelane start|stop|status|restart   the supervised background service
//	freelane version
//
// This file only reads the command line and hands it to proxy/launch;
// see docs/architecture.md.
package main

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/freelane/freelane/assets/locale"
	"github.com/freelane/freelane/proxy/appinfo"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/launch"
	"github.com/freelane/freelane/proxy/service"
)

//go:embed FyneApp.toml
var appMetadata []byte

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	info, err := appinfo.Parse(appMetadata)
	if err != nil {
		fmt.Fprintln(os.Stderr, "freelane: broken build metadata:", err)
		return 1
	}
	// Before .env is read, texts follow the system's language.
	pr := locale.For(locale.Best(locale.System()...))
	home, cmd, err := parseArgs(pr, args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "freelane: %v\n\n%s", err, pr.T("cmd.usage"))
		return 2
	}
	if cmd != "" {
		// The Windows build is a GUI program: without this, commands run from
		// a console print nothing. The tray (no command) needs no console.
		service.AttachConsole()
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Printf("%s %s (build %d)\n", info.Name, info.Version, info.Build)
		return 0
	case "help", "--help", "-h":
		fmt.Print(pr.T("cmd.usage"))
		return 0
	case "", "serve", "start", "stop", "restart", "status", "supervise":
	default:
		fmt.Fprintf(os.Stderr, "freelane: %s\n\n%s", pr.T("cmd.unknown", "Command", fmt.Sprintf("%q", cmd)), pr.T("cmd.usage"))
		return 2
	}

	// --home is FREELANE_HOME by another name: one that a login entry can
	// carry on every system (the Windows Run key sets no variables). The
	// service's processes get the resolved folder as FREELANE_HOME.
	home, err = config.ResolveHome(home)
	if err != nil {
		fmt.Fprintln(os.Stderr, "freelane:", err)
		return 1
	}
	o := launch.Options{Version: info.Version, Home: home, Printer: pr}
	switch cmd {
	case "":
		return launch.Tray(o)
	case "serve":
		return launch.Serve(o)
	default:
		return launch.Service(o, cmd)
	}
}

// parseArgs reads the command line: at most one command, and the --home DIR
// option (also -home, --home=DIR; the last one wins) before or after it.
// Anything else is an error rather than ignored: `status --home D` must not
// look at the default home, nor `start extra` start anything.
func parseArgs(pr *locale.Printer, args []string) (home, cmd string, err error) {
	for len(args) > 0 {
		arg := args[0]
		args = args[1:]
		name, value, hasValue := strings.Cut(arg, "=")
		if name != "--home" && name != "-home" {
			if cmd != "" {
				return "", "", errors.New(pr.T("cmd.unexpected_arg", "Arg", fmt.Sprintf("%q", arg), "Command", fmt.Sprintf("%q", cmd)))
			}
			cmd = arg
			continue
		}
		if !hasValue {
			if len(args) == 0 {
				return "", "", errors.New(pr.T("cmd.needs_folder", "Flag", name))
			}
			value, args = args[0], args[1:]
		}
		if strings.TrimSpace(value) == "" {
			return "", "", errors.New(pr.T("cmd.needs_folder", "Flag", name))
		}
		home = value
	}
	return home, cmd, nil
}
