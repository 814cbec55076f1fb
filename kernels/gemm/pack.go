package gemm

// packA copies rows [i0, i0+m) and columns [p0, p0+kc) of op(A), scaled by
// alpha, into dst as micro-panels of mr rows (the last may have fewer, r):
// the panel starting at row ir is at dst[ir*kc:], k-major (dst[ir*kc+p*r+i]).
// op(A)(i, p) is a[i*lda+p], or a[p*lda+i] when transA.
func packA(dst []float32, transA bool, a []float32, lda, i0, m, p0, kc, mr int, alpha float32) {
	for ir := 0; ir < m; ir += mr {
		r := min(mr, m-ir)
		d := dst[ir*kc : ir*kc+r*kc]
		if !transA && alpha == 1 && r == 12 {
			packA12(d, a[(i0+ir)*lda+p0:], lda, kc)
			continue
		}
		if !transA {
			for i := range r {
				src := a[(i0+ir+i)*lda+p0 : (i0+ir+i)*lda+p0+kc]
				if alpha == 1 {
					for p, v := range src {
						d[p*r+i] = v
					}
				} else {
					for p, v := range src {
						d[p*r+i] = alpha * v
					}
				}
			}
			continue
		}
		for p := range kc {
			src := a[(p0+p)*lda+i0+ir : (p0+p)*lda+i0+ir+r]
			dd := d[p*r : p*r+r]
			if alpha == 1 {
				copy(dd, src)
			} else {
				for i, v := range src {
					dd[i] = alpha * v
				}
			}
		}
	}
}

// packB copies rows [p0, p0+kc) and columns [j0, j0+n) of op(B) into dst as
// strips of nr columns, the strip starting at column jr at dst[jr*kc:], k-major
// (dst[jr*kc+p*nr+j]); the last strip is padded with zeros to nr columns.
// op(B)(p, j) is b[p*ldb+j], or b[j*ldb+p] when transB.
func packB(dst []float32, transB bool, b []float32, ldb, p0, kc, j0, n, nr int) {
	for jr := 0; jr < n; jr += nr {
		w := min(nr, n-jr)
		d := dst[jr*kc : jr*kc+nr*kc]
		if !transB {
			if w == nr && copyStrip(d, b[(p0)*ldb+j0+jr:], ldb, kc, nr) {
				continue
			}
			for p := range kc {
				row := b[(p0+p)*ldb+j0+jr : (p0+p)*ldb+j0+jr+w]
				dd := d[p*nr : p*nr+nr]
				copy(dd, row)
				clear(dd[w:])
			}
			continue
		}
		if w < nr {
			clear(d)
		}
		for j := range w {
			col := b[(j0+jr+j)*ldb+p0 : (j0+jr+j)*ldb+p0+kc]
			for p, v := range col {
				d[p*nr+j] = v
			}
		}
	}
}

// copyStrip copies kc rows of nr floats (row p at src[p*ld:]) to dst
// contiguously with fixed-size array moves (no call per row) for the strip
// widths the kernels use; it reports false for other widths.
func copyStrip(dst, src []float32, ld, kc, nr int) bool {
	switch nr {
	case 32:
		for p := range kc {
			*(*[32]float32)(dst[p*32:]) = *(*[32]float32)(src[p*ld:])
		}
	case 16:
		for p := range kc {
			*(*[16]float32)(dst[p*16:]) = *(*[16]float32)(src[p*ld:])
		}
	case 64:
		for p := range kc {
			*(*[64]float32)(dst[p*64:]) = *(*[64]float32)(src[p*ld:])
		}
	case 12:
		for p := range kc {
			*(*[12]float32)(dst[p*12:]) = *(*[12]float32)(src[p*ld:])
		}
	case 8:
		for p := range kc {
			*(*[8]float32)(dst[p*8:]) = *(*[8]float32)(src[p*ld:])
		}
	default:
		return false
	}
	return true
}

// packA12 interleaves 12 rows of kc floats (row i at a[i*lda:]) into d
// (d[p*12+i]), four columns at a time.
func packA12(d, a []float32, lda, kc int) {
	var rows [12][]float32
	for i := range rows {
		rows[i] = a[i*lda : i*lda+kc : i*lda+kc]
	}
	p := 0
	for ; p+4 <= kc; p += 4 {
		dd := (*[48]float32)(d[p*12:])
		for i := range 12 {
			src := (*[4]float32)(rows[i][p:])
			dd[i] = src[0]
			dd[12+i] = src[1]
			dd[24+i] = src[2]
			dd[36+i] = src[3]
		}
	}
	for ; p < kc; p++ {
		for i := range 12 {
			d[p*12+i] = rows[i][p]
		}
	}
}
