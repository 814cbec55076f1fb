package conv

// im2col is the virtual (Cg·KH·KW)×(OH·OW) matrix of one image group; row
// (c, kh, kw), column (oh, ow) holds x[c, oh·sh−padT+kh·dh, ow·sw−padL+kw·dw]
// or 0 outside the image.
type im2col struct {
	p      *Params
	x      []float32
	oh, ow int
}

func (m *im2col) PackB(dst []float32, p0, kc, j0, n, nr int) {
	p := m.p
	khw := p.KH * p.KW
	c, kk := p0/khw, p0%khw
	kh, kw := kk/p.KW, kk%p.KW
	oh0, ow0 := j0/m.ow, j0%m.ow
	// Row-major over the im2col rows: each row reads one input plane
	// sequentially and writes nr floats into every strip.
	for pp := range kc {
		oh, ow := oh0, ow0
		for jr := 0; jr < n; jr += nr {
			w := min(nr, n-jr)
			row := dst[jr*kc+pp*nr : jr*kc+pp*nr+nr]
			m.fill(row[:w], c, kh, kw, oh, ow)
			if w < nr {
				clear(row[w:])
			}
			for ow += nr; ow >= m.ow; ow -= m.ow {
				oh++
			}
		}
		if kw++; kw == p.KW {
			kw = 0
			if kh++; kh == p.KH {
				kh = 0
				c++
			}
		}
	}
}

// fill writes im2col row (c, kh, kw) at columns starting at output (oh, ow).
func (m *im2col) fill(out []float32, c, kh, kw, oh, ow int) {
	p := m.p
	xc := m.x[c*p.H*p.W : (c+1)*p.H*p.W]
	ih := oh*p.StrideH - p.PadT + kh*p.DilationH
	iw := ow*p.StrideW - p.PadL + kw*p.DilationW
	w := len(out)
	// Fast path: one output row, inside the image.
	if sw := p.StrideW; ow+w <= m.ow && uint(ih) < uint(p.H) && iw >= 0 && iw+(w-1)*sw < p.W {
		src := xc[ih*p.W+iw:]
		switch {
		case sw == 1:
			copyRun(out, src)
		case sw == 2:
			src = src[:2*w-1]
			for t := range out {
				out[t] = src[2*t]
			}
		default:
			src = src[:(w-1)*sw+1]
			for t := range out {
				out[t] = src[t*sw]
			}
		}
		return
	}
	for j := 0; j < w; {
		// One run along an output row.
		run := min(w-j, m.ow-ow)
		ih := oh*p.StrideH - p.PadT + kh*p.DilationH
		seg := out[j : j+run]
		if ih < 0 || ih >= p.H {
			zeroRun(seg)
		} else {
			xr := xc[ih*p.W : ih*p.W+p.W]
			iw := ow*p.StrideW - p.PadL + kw*p.DilationW
			if p.StrideW == 1 {
				// Contiguous: zeros, a copy, zeros.
				lo := min(max(0, -iw), run)
				hi := max(lo, min(run, p.W-iw))
				zeroRun(seg[:lo])
				if hi > lo {
					copy(seg[lo:hi], xr[iw+lo:iw+hi])
				}
				zeroRun(seg[hi:])
			} else {
				// Strided: zeros, a gather of the columns inside, zeros.
				sw := p.StrideW
				lo := min(max(0, ceilDiv(-iw, sw)), run)
				hi := max(lo, min(run, ceilDiv(p.W-iw, sw)))
				zeroRun(seg[:lo])
				if hi > lo {
					src := xr[iw+lo*sw : iw+(hi-1)*sw+1]
					dst := seg[lo:hi]
					for t := range dst {
						dst[t] = src[t*sw]
					}
				}
				zeroRun(seg[hi:])
			}
		}
		j += run
		ow += run
		if ow == m.ow {
			ow = 0
			oh++
		}
	}
}
