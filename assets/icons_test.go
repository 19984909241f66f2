package assets

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

func TestTrayIcon_EachStateHasItsOwnImage(t *testing.T) {
	t.Parallel()
	seen := map[string]IconState{}
	for _, s := range []IconState{IconRunning, IconStopped, IconAttention} {
		data := TrayIcon(s)
		if len(data) == 0 {
			t.Fatalf("TrayIcon(%v) is empty", s)
		}
		if runtime.GOOS == "windows" {
			checkICO(t, data)
		} else {
			checkPNG(t, data, 64)
		}
		if other, dup := seen[string(data)]; dup {
			t.Errorf("TrayIcon(%v) is the same image as TrayIcon(%v)", s, other)
		}
		seen[string(data)] = s
	}
}

func TestTrayIcon_UnknownStateFallsBackToAttention(t *testing.T) {
	t.Parallel()
	if !bytes.Equal(TrayIcon(IconState(42)), TrayIcon(IconAttention)) {
		t.Error("an unknown state should show the attention icon")
	}
}

func TestAppAndTemplateIcons(t *testing.T) {
	t.Parallel()
	checkPNG(t, AppIcon(), 512)
	checkPNG(t, TemplateIcon(), 32)

	img, err := png.Decode(bytes.NewReader(TemplateIcon()))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a != 0 && (r != 0 || g != 0 || bl != 0) {
				t.Fatalf("template pixel (%d,%d) is not black or transparent: %v", x, y, img.At(x, y))
			}
		}
	}
}

func TestIconState_String(t *testing.T) {
	t.Parallel()
	tests := map[IconState]string{IconRunning: "running", IconStopped: "stopped", IconAttention: "attention", 7: "IconState(7)"}
	for s, want := range tests {
		if got := s.String(); got != want {
			t.Errorf("IconState(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}

func checkPNG(t *testing.T, data []byte, side int) {
	t.Helper()
	if !bytes.HasPrefix(data, pngSignature) {
		t.Fatalf("not a PNG (starts % x)", data[:min(8, len(data))])
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding PNG: %v", err)
	}
	if cfg.Width != side || cfg.Height != side {
		t.Errorf("PNG is %dx%d, want %dx%d", cfg.Width, cfg.Height, side, side)
	}
}

// checkICO verifies the ICO directory and that each entry is a PNG of the
// size the directory claims.
func checkICO(t *testing.T, data []byte) {
	t.Helper()
	var header struct{ Reserved, Type, Count uint16 }
	if err := binary.Read(bytes.NewReader(data), binary.LittleEndian, &header); err != nil {
		t.Fatalf("reading ICO header: %v", err)
	}
	if header.Type != 1 || header.Count == 0 {
		t.Fatalf("ICO header = %+v", header)
	}
	for i := range int(header.Count) {
		entry := data[6+16*i : 6+16*(i+1)]
		size := binary.LittleEndian.Uint32(entry[8:])
		offset := binary.LittleEndian.Uint32(entry[12:])
		checkPNG(t, data[offset:offset+size], int(entry[0]))
	}
}

// The Windows ICO files are embedded only in Windows builds; check them on
// every platform so a broken file is caught where the tests run.
func TestICOFiles_HoldEveryTraySize(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"running.ico", "stopped.ico", "attention.ico"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("icons", name))
			if err != nil {
				t.Fatal(err)
			}
			checkICO(t, data)
			if count := int(data[4]) | int(data[5])<<8; count != 5 {
				t.Errorf("%s holds %d images, want 5 (16, 22, 24, 32, 64 px)", name, count)
			}
		})
	}
}
