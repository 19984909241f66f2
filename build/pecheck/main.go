//go:build ignore

// Pecheck verifies a Windows build of Freelane: the executable must use the GUI
// subsystem (no console window when started from Explorer or at login) and
// carry a resource section (icon, version information, manifest).
//
//	go run build/pecheck/main.go build/dist/freelane.exe
package main

import (
	"debug/pe"
	"errors"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run build/pecheck/main.go <file.exe>")
		os.Exit(2)
	}
	if err := check(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "pecheck:", err)
		os.Exit(1)
	}
	fmt.Println("pecheck:", os.Args[1], "is a GUI-subsystem executable with resources")
}

func check(path string) error {
	f, err := pe.Open(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()

	var subsystem uint16
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		subsystem = h.Subsystem
	case *pe.OptionalHeader32:
		subsystem = h.Subsystem
	default:
		return errors.New("no optional header: not an executable")
	}
	if subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		return fmt.Errorf("%s: subsystem %d, want %d (GUI); build with -ldflags -H=windowsgui",
			path, subsystem, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI)
	}
	if f.Section(".rsrc") == nil {
		return fmt.Errorf("%s: no .rsrc section; the .syso with icon, version and manifest was not linked", path)
	}
	return nil
}
