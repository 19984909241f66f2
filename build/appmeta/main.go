//go:build ignore

// Appmeta prints one field of FyneApp.toml's [Details] table, read by the same
// parser the app uses, so build scripts and the binary agree on the version.
//
//	go run build/appmeta/main.go FyneApp.toml Version
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/freelane/freelane/proxy/appinfo"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run build/appmeta/main.go <FyneApp.toml> Name|ID|Version|Build|Icon")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "appmeta:", err)
		os.Exit(1)
	}
	info, err := appinfo.Parse(data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "appmeta: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fields := map[string]string{
		"Name":    info.Name,
		"ID":      info.ID,
		"Version": info.Version,
		"Build":   strconv.Itoa(info.Build),
		"Icon":    info.Icon,
	}
	value, ok := fields[os.Args[2]]
	if !ok {
		fmt.Fprintf(os.Stderr, "appmeta: unknown field %q\n", os.Args[2])
		os.Exit(2)
	}
	fmt.Println(value)
}
