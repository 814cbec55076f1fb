// Package image implements ONNX operators of the image family: Resize,
// Upsample, GridSample, RoiAlign and NonMaxSuppression.
package image

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	r.Register("", "Resize", 10, bindResize10)
	// 13 only widened the types (bfloat16) and made roi/scales optional.
	r.RegisterVersions("", "Resize", []int64{11, 13}, bindResize11)
	r.Register("", "Upsample", 7, bindUpsample7)
	r.Register("", "Upsample", 9, bindUpsample9)
	r.Register("", "Upsample", 10, bindUpsample10)
	r.Register("", "GridSample", 16, bindGridSample)
	r.Register("", "RoiAlign", 10, bindRoiAlign(10))
	r.Register("", "RoiAlign", 16, bindRoiAlign(16))
	r.RegisterVersions("", "NonMaxSuppression", []int64{10, 11}, bindNMS)

	// 18 added antialias, axes and keep_aspect_ratio_policy; 19 the
	// half_pixel_symmetric coordinate transformation.
	r.RegisterVersions("", "Resize", []int64{18, 19}, bindResize18)
	// 20 renamed the modes and allowed N spatial axes.
	r.Register("", "GridSample", 20, bindGridSample20)
	r.Register("", "AffineGrid", 20, bindAffineGrid)
	r.Register("", "ImageDecoder", 20, bindImageDecoder)
}
