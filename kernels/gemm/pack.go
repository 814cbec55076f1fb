package gemm

// packA copies rows [i0, i0+m) and columns [p0, p0+kc) of op(A), scaled by
// alpha, into dst as micro-panels of mr rows (the last may have fewer, r):
// the panel starting at row ir is at dst[ir*kc:], k-major (dst[ir*kc+p*r+i]).
// op(A)(i, p) is a[i*lda+p], or a[p*lda+i] when transA.
func packA(dst []float32, transA bool, a []float32, lda, i0, m, p0, kc, mr int, alpha float32) {
	for ir := 0; ir < m; ir += mr {
		r := min(mr, m-ir)
		d := dst[ir*kc : ir*kc+r*kc]
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
