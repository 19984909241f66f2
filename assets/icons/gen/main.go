//go:build ignore

// Command gen draws Freelane's tray and app icons and writes them as PNG
// files (one per state and size), multi-size ICO files for Windows, the
// 512 px app icon and the black macOS menu-bar template.
//
// The mark is a road seen in perspective: two converging lane edges and a
// dashed centre line. Running is a solid green rounded square; stopped is
// only a grey outline around a grey road, so the two differ in shape and not
// only in colour (green and grey have nearly the same lightness, which some
// colour-blind users cannot tell apart); the attention icon is amber with a "!".
// Strokes are sized for 22 px panels, where hairlines blur into the fill.
// Shapes are described in unit coordinates and sampled 8x8 per pixel, which
// antialiases them without an image library.
//
// Run from the assets folder: go run icons/gen/main.go -out icons
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// trayPixelSizes are the sizes panels and the Windows notification area ask for.
var trayPixelSizes = []int{16, 22, 24, 32, 64}

const samplesPerAxis = 8

type style struct {
	name      string
	top, base color.NRGBA // background gradient, top to bottom
	ink       color.NRGBA // the mark drawn on the background
	attention bool        // draw "!" instead of the road
	hollow    bool        // only an outline of the square, the mark in the outline's colour
}

var (
	running = style{
		name: "running",
		top:  color.NRGBA{0x3c, 0xc0, 0x64, 0xff},
		base: color.NRGBA{0x1f, 0x8f, 0x45, 0xff},
		ink:  color.NRGBA{0xff, 0xff, 0xff, 0xff},
	}
	// A mid grey that stays visible on light and on dark panels.
	stopped = style{
		name:   "stopped",
		top:    color.NRGBA{0x8c, 0x92, 0x9b, 0xff},
		base:   color.NRGBA{0x80, 0x86, 0x8f, 0xff},
		hollow: true,
	}
	attention = style{
		name:      "attention",
		top:       color.NRGBA{0xff, 0xc2, 0x3d, 0xff},
		base:      color.NRGBA{0xf0, 0x98, 0x10, 0xff},
		ink:       color.NRGBA{0x2b, 0x1d, 0x00, 0xff},
		attention: true,
	}
	template = style{
		name: "template",
		top:  color.NRGBA{0, 0, 0, 0xff},
		base: color.NRGBA{0, 0, 0, 0xff},
		ink:  color.NRGBA{0, 0, 0, 0},
	}
)

func main() {
	out := flag.String("out", "icons", "folder to write the icons to")
	flag.Parse()
	if err := run(*out); err != nil {
		log.Fatal(err)
	}
}

func run(out string) error {
	for _, s := range []style{running, stopped, attention} {
		var pngs [][]byte
		for _, size := range trayPixelSizes {
			data, err := encodePNG(draw(s, size))
			if err != nil {
				return err
			}
			if err := write(filepath.Join(out, fmt.Sprintf("%s-%d.png", s.name, size)), data); err != nil {
				return err
			}
			pngs = append(pngs, data)
		}
		ico, err := encodeICO(trayPixelSizes, pngs)
		if err != nil {
			return err
		}
		if err := write(filepath.Join(out, s.name+".ico"), ico); err != nil {
			return err
		}
	}
	app, err := encodePNG(draw(running, 512))
	if err != nil {
		return err
	}
	if err := write(filepath.Join(out, "app-512.png"), app); err != nil {
		return err
	}
	// macOS draws menu-bar images at 16 pt; 32 px keeps them sharp on Retina.
	tmpl, err := encodePNG(draw(template, 32))
	if err != nil {
		return err
	}
	return write(filepath.Join(out, "tray-template.png"), tmpl)
}

func write(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encoding png: %w", err)
	}
	return buf.Bytes(), nil
}

// encodeICO packs PNG images into one ICO file; Windows Vista and later
// read PNG-compressed entries at any size.
func encodeICO(sizes []int, pngs [][]byte) ([]byte, error) {
	const headerLen, entryLen = 6, 16
	var buf bytes.Buffer
	header := []uint16{0, 1, uint16(len(pngs))} // reserved, type 1 = icon, count
	if err := binary.Write(&buf, binary.LittleEndian, header); err != nil {
		return nil, fmt.Errorf("writing ico header: %w", err)
	}
	offset := headerLen + entryLen*len(pngs)
	for i, data := range pngs {
		side := byte(sizes[i]) // 0 would mean 256
		entry := struct {
			Width, Height, Colors, Reserved byte
			Planes, BitsPerPixel            uint16
			Size, Offset                    uint32
		}{side, side, 0, 0, 1, 32, uint32(len(data)), uint32(offset)}
		if err := binary.Write(&buf, binary.LittleEndian, entry); err != nil {
			return nil, fmt.Errorf("writing ico entry: %w", err)
		}
		offset += len(data)
	}
	for _, data := range pngs {
		buf.Write(data)
	}
	return buf.Bytes(), nil
}

// draw renders one icon at size x size pixels.
func draw(s style, size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	n := float64(samplesPerAxis)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64 // premultiplied sums
			for sy := 0; sy < samplesPerAxis; sy++ {
				for sx := 0; sx < samplesPerAxis; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/n) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/n) / float64(size)
					c := sample(s, x, y)
					fa := float64(c.A) / 255
					r += float64(c.R) * fa
					g += float64(c.G) * fa
					b += float64(c.B) * fa
					a += fa
				}
			}
			count := n * n
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a)),
				G: uint8(math.Round(g / a)),
				B: uint8(math.Round(b / a)),
				A: uint8(math.Round(255 * a / count)),
			})
		}
	}
	return img
}

// sample returns the colour at unit coordinates (x, y), y pointing down.
func sample(s style, x, y float64) color.NRGBA {
	if !inRoundedSquare(x, y, squareMargin, squareRadius) {
		return color.NRGBA{}
	}
	fill := lerp(s.top, s.base, y)
	if s.hollow {
		inOutline := !inRoundedSquare(x, y, squareMargin+outlineWidth, squareRadius-outlineWidth)
		if inOutline || inRoad(x, y) {
			return fill
		}
		return color.NRGBA{}
	}
	if s.attention && inExclamation(x, y) || !s.attention && inRoad(x, y) {
		return s.ink
	}
	return fill
}

// The rounded square, and the outline of the hollow (stopped) icon: 0.09 is
// 2 px at 22 px, thin enough to read as "empty", thick enough not to blur.
const (
	squareMargin = 0.03
	squareRadius = 0.22
	outlineWidth = 0.09
)

func inRoundedSquare(x, y, margin, radius float64) bool {
	lo, hi := margin+radius, 1-margin-radius
	dx := math.Max(math.Max(lo-x, x-hi), 0)
	dy := math.Max(math.Max(lo-y, y-hi), 0)
	if x < margin || x > 1-margin || y < margin || y > 1-margin {
		return false
	}
	return dx*dx+dy*dy <= radius*radius
}

// inRoad is the lane mark: two edges converging towards the horizon, thinner
// with distance, and a dashed centre line. Two dashes, not three, kept clear
// of the edges: at 16-22 px a third dash merged with the edges into an "M".
func inRoad(x, y float64) bool {
	const near, far = 0.075, 0.04 // half widths of the lane edges
	if nearTaperedSegment(x, y, 0.17, 0.82, 0.37, 0.22, near, far) ||
		nearTaperedSegment(x, y, 0.83, 0.82, 0.63, 0.22, near, far) {
		return true
	}
	return nearSegment(x, y, 0.5, 0.80, 0.5, 0.62, 0.05) ||
		nearSegment(x, y, 0.5, 0.48, 0.5, 0.38, 0.04)
}

func inExclamation(x, y float64) bool {
	return nearSegment(x, y, 0.5, 0.21, 0.5, 0.56, 0.085) || math.Hypot(x-0.5, y-0.77) <= 0.09
}

// nearSegment reports whether (x, y) lies within halfWidth of the segment
// from (x0, y0) to (x1, y1): a capsule with round ends.
func nearSegment(x, y, x0, y0, x1, y1, halfWidth float64) bool {
	return nearTaperedSegment(x, y, x0, y0, x1, y1, halfWidth, halfWidth)
}

// nearTaperedSegment is nearSegment with a half width that goes linearly
// from w0 at (x0, y0) to w1 at (x1, y1).
func nearTaperedSegment(x, y, x0, y0, x1, y1, w0, w1 float64) bool {
	vx, vy := x1-x0, y1-y0
	t := ((x-x0)*vx + (y-y0)*vy) / (vx*vx + vy*vy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(x-(x0+t*vx), y-(y0+t*vy)) <= w0+(w1-w0)*t
}

func lerp(a, b color.NRGBA, t float64) color.NRGBA {
	mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p) + (float64(q)-float64(p))*t)) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), mix(a.A, b.A)}
}
