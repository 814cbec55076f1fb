package image

import (
	"bytes"
	"fmt"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"image/png"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindImageDecoder binds ImageDecoder-20: a 1-D uint8 tensor holding an
// encoded image becomes a uint8 (H, W, 3) tensor in RGB or BGR order, or
// (H, W, 1) for Grayscale. Sinter decodes PNG and JPEG with Go's standard
// library; other formats (BMP, TIFF, WebP, JPEG 2000, PNM) are refused.
// JPEG decoders differ in their inverse DCT and chroma upsampling, so JPEG
// pixels may differ by a few levels from other runtimes'; PNG is exact.
func bindImageDecoder(n *ops.Node) (ops.Kernel, error) {
	pf, err := n.String("pixel_format", "RGB")
	if err != nil {
		return nil, err
	}
	switch pf {
	case "RGB", "BGR", "Grayscale":
	default:
		return nil, fmt.Errorf("ImageDecoder: unsupported pixel_format %q", pf)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		t := ops.Input(in, 0)
		if t == nil {
			return nil, fmt.Errorf("ImageDecoder: input encoded_stream is missing")
		}
		if t.DType() != tensor.Uint8 || t.Rank() != 1 {
			return nil, fmt.Errorf("ImageDecoder: encoded_stream must be a 1-D uint8 tensor, got %v", t)
		}
		out, err := decodeImage(t.Uint8s(), pf)
		if err != nil {
			return nil, fmt.Errorf("ImageDecoder: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func decodeImage(b []byte, pf string) (*tensor.Tensor, error) {
	var img stdimage.Image
	var err error
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		img, err = png.Decode(bytes.NewReader(b))
	case bytes.HasPrefix(b, []byte{0xff, 0xd8}):
		img, err = jpeg.Decode(bytes.NewReader(b))
	default:
		return nil, fmt.Errorf("unsupported image format (Sinter decodes PNG and JPEG only)")
	}
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	H, W := r.Dy(), r.Dx()
	ch := 3
	if pf == "Grayscale" {
		ch = 1
	}
	out := tensor.New(tensor.Uint8, H, W, ch)
	o := out.Uint8s()
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			c := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
			p := o[(y*W+x)*ch:]
			switch pf {
			case "RGB":
				p[0], p[1], p[2] = c.R, c.G, c.B
			case "BGR":
				p[0], p[1], p[2] = c.B, c.G, c.R
			default:
				if g, ok := img.At(r.Min.X+x, r.Min.Y+y).(color.Gray); ok {
					p[0] = g.Y
				} else {
					// ITU-R 601-2 luma, in the fixed point PIL's "L" uses.
					p[0] = uint8((uint32(c.R)*19595 + uint32(c.G)*38470 + uint32(c.B)*7471 + 0x8000) >> 16)
				}
			}
		}
	}
	return out, nil
}
