package nn

// Blocking of the GEMM core: a kc×nc panel of B is reused across all rows of
// A, so it should fit in L2.
const (
	gemmKC = 128
	gemmNC = 512
)

// gemm computes C += alpha · op(A) · op(B), where op(A) is m×k and op(B) is
// k×n. A is stored m×k (row stride lda) or, when transA, k×m; B is stored
// k×n (row stride ldb) or, when transB, n×k. C is m×n with row stride ldc.
func gemm[T num](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	if transB {
		if m < 4 {
			gemmNT(transA, m, n, k, alpha, a, lda, b, ldb, c, ldc)
			return
		}
		// Transposing B (k·n work) lets the blocked kernel below reuse it
		// across all m rows.
		bt := make([]T, k*n)
		for j := 0; j < n; j++ {
			row := b[j*ldb : j*ldb+k]
			for p, v := range row {
				bt[p*n+j] = v
			}
		}
		b, ldb = bt, n
	}
	var arow []T
	if transA {
		arow = make([]T, k)
	}
	for j0 := 0; j0 < n; j0 += gemmNC {
		j1 := min(j0+gemmNC, n)
		for p0 := 0; p0 < k; p0 += gemmKC {
			p1 := min(p0+gemmKC, k)
			for i := 0; i < m; i++ {
				var ai []T
				if transA {
					for p := p0; p < p1; p++ {
						arow[p] = alpha * a[p*lda+i]
					}
					ai = arow
				} else {
					ai = a[i*lda : i*lda+k]
				}
				crow := c[i*ldc+j0 : i*ldc+j1]
				p := p0
				for ; p+4 <= p1; p += 4 {
					a0, a1, a2, a3 := ai[p], ai[p+1], ai[p+2], ai[p+3]
					if !transA {
						a0, a1, a2, a3 = alpha*a0, alpha*a1, alpha*a2, alpha*a3
					}
					axpy4(crow, b[p*ldb+j0:], b[(p+1)*ldb+j0:], b[(p+2)*ldb+j0:], b[(p+3)*ldb+j0:], a0, a1, a2, a3)
				}
				for ; p < p1; p++ {
					av := ai[p]
					if !transA {
						av *= alpha
					}
					brow := b[p*ldb+j0:]
					brow = brow[:len(crow)]
					for j := range crow {
						crow[j] += av * brow[j]
					}
				}
			}
		}
	}
}

// axpy4 adds a0·b0 + a1·b1 + a2·b2 + a3·b3 to c (the b rows are at least as
// long as c).
func axpy4[T num](c, b0, b1, b2, b3 []T, a0, a1, a2, a3 T) {
	b0 = b0[:len(c)]
	b1 = b1[:len(c)]
	b2 = b2[:len(c)]
	b3 = b3[:len(c)]
	for j := range c {
		c[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]
	}
}

// gemmNT is gemm with B stored n×k: each C element is a dot product of two
// contiguous rows.
func gemmNT[T num](transA bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	var tmp []T
	if transA {
		tmp = make([]T, k)
	}
	for i := 0; i < m; i++ {
		var arow []T
		if transA {
			for p := 0; p < k; p++ {
				tmp[p] = a[p*lda+i]
			}
			arow = tmp
		} else {
			arow = a[i*lda : i*lda+k]
		}
		crow := c[i*ldc : i*ldc+n]
		for j := range crow {
			brow := b[j*ldb : j*ldb+k]
			var s0, s1, s2, s3 T
			p := 0
			for ; p+4 <= k; p += 4 {
				s0 += arow[p] * brow[p]
				s1 += arow[p+1] * brow[p+1]
				s2 += arow[p+2] * brow[p+2]
				s3 += arow[p+3] * brow[p+3]
			}
			for ; p < k; p++ {
				s0 += arow[p] * brow[p]
			}
			crow[j] += alpha * ((s0 + s1) + (s2 + s3))
		}
	}
}
