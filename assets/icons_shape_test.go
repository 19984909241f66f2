package assets

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// coverage is the share of a PNG's pixels that are mostly opaque.
func coverage(t *testing.T, data []byte) float64 {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding PNG: %v", err)
	}
	b := img.Bounds()
	opaque := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a >= 0x8000 {
				opaque++
			}
		}
	}
	return float64(opaque) / float64(b.Dx()*b.Dy())
}

// Running and stopped must differ in shape, not only in colour: the green
// and the grey have nearly the same lightness, so a colour-blind user (or a
// panel that desaturates inactive icons) would see two identical squares.
// Stopped is an outline, running a filled square, at every tray size.
func TestTrayIcons_StoppedIsHollow(t *testing.T) {
	t.Parallel()
	for _, size := range []string{"16", "22", "24", "32", "64"} {
		t.Run(size, func(t *testing.T) {
			t.Parallel()
			read := func(state string) []byte {
				data, err := os.ReadFile(filepath.Join("icons", state+"-"+size+".png"))
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
			running, stopped := coverage(t, read("running")), coverage(t, read("stopped"))
			if running < 0.75 {
				t.Errorf("running icon covers %.0f%% of its square, want a filled square (>= 75%%)", 100*running)
			}
			if stopped > running-0.25 {
				t.Errorf("stopped icon covers %.0f%%, running %.0f%%: stopped should be visibly hollow", 100*stopped, 100*running)
			}
		})
	}
}

// The embedded tray image must be the generated 64 px file, so what the
// panel shows is what the test above checked.
func TestTrayIcon_EmbedsGeneratedFiles(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Windows embeds the ICO files")
	}
	data, err := os.ReadFile(filepath.Join("icons", "stopped-64.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(TrayIcon(IconStopped), data) {
		t.Error("TrayIcon(IconStopped) is not icons/stopped-64.png")
	}
}
