# Generates ../golden_test.go: /usr/bin/python3 gen_golden.py > ../golden_test.go && gofmt -w ../golden_test.go
# Expected values come from naive numpy reference implementations written here.
import numpy as np
rs = np.random.RandomState(42)
def r(*s): return np.round(rs.randn(*s), 2)
out = []
def lit(a, typ='float64'):
    a = np.asarray(a).ravel()
    if typ.startswith('float'):
        return '[]%s{%s}' % (typ, ', '.join('%.17g' % v for v in a))
    return '[]%s{%s}' % (typ, ', '.join('%d' % v for v in a))
def shp(a): return '[]int{%s}' % ', '.join(str(d) for d in np.shape(a))
def emit(name, **kw):
    out.append('\t"%s": {' % name)
    for k, v in kw.items():
        out.append('\t\t"%s": {shape: %s, data: %s},' % (k, shp(v), lit(v)))
    out.append('\t},')

def conv_nd(x, w, b, strides, dil, pb, pe, group):
    N, C = x.shape[:2]; M = w.shape[0]; d = x.ndim - 2
    k = w.shape[2:]
    xp = np.pad(x, [(0,0),(0,0)] + [(pb[i], pe[i]) for i in range(d)])
    outs = [ (xp.shape[2+i] - ((k[i]-1)*dil[i]+1)) // strides[i] + 1 for i in range(d)]
    y = np.zeros((N, M) + tuple(outs))
    cg = C // group; mg = M // group
    for n in range(N):
        for m in range(M):
            g = m // mg
            for o in np.ndindex(*outs):
                s = 0.0
                for c in range(cg):
                    for kk in np.ndindex(*k):
                        idx = tuple(o[i]*strides[i] + kk[i]*dil[i] for i in range(d))
                        s += xp[(n, g*cg + c) + idx] * w[(m, c) + kk]
                y[(n, m) + o] = s + (b[m] if b is not None else 0)
    return y

x = r(1,4,5,6); w = r(6,2,3,2); b = r(6)
y = conv_nd(x, w, b, [2,1], [1,2], [1,0], [2,1], 2)
emit('conv2d_group', x=x, w=w, b=b, y=y)

# SAME_LOWER 1-D, stride 2: in 7 -> out 4; eff 4; total = 3*2+4-7 = 3; lower: pb=2, pe=1
x = r(2,3,7); w = r(2,3,4)
y = conv_nd(x, w, None, [2], [1], [2], [1], 1)
emit('conv1d_same_lower', x=x, w=w, y=y)

x = r(1,2,4,3,5); w = r(3,2,2,2,3); b = r(3)
y = conv_nd(x, w, b, [1,2,1], [1,1,2], [0,1,1], [1,0,1], 1)
emit('conv3d', x=x, w=w, b=b, y=y)

def convt(x, w, b, strides, dil, pb, pe, outpad, group):
    N, C = x.shape[:2]; d = x.ndim-2; k = w.shape[2:]; mg = w.shape[1]; M = mg*group; cg = C//group
    ins = x.shape[2:]
    full = [strides[i]*(ins[i]-1) + outpad[i] + (k[i]-1)*dil[i] + 1 for i in range(d)]
    yf = np.zeros((N, M) + tuple(full))
    for n in range(N):
        for c in range(C):
            g = c // cg
            for i in np.ndindex(*ins):
                for m in range(mg):
                    for kk in np.ndindex(*k):
                        pos = tuple(i[j]*strides[j] + kk[j]*dil[j] for j in range(d))
                        yf[(n, g*mg+m) + pos] += x[(n, c) + i] * w[(c, m) + kk]
    sl = tuple(slice(pb[j], full[j]-pe[j]) for j in range(d))
    y = yf[(slice(None), slice(None)) + sl]
    if b is not None:
        y = y + b.reshape((1, M) + (1,)*d)
    return y
x = r(1,4,3,2); w = r(4,3,2,3); b = r(6)
y = convt(x, w, b, [2,3], [2,1], [1,0], [0,1], [1,0], 2)
emit('convt2d', x=x, w=w, b=b, y=y)
# SAME_LOWER 1-D stride 2 in 3 -> out 6: full = 2*2 + 3 = 7, total 1, lower: pb = 1, pe = 0
x = r(1,2,3); w = r(2,1,3)
y = convt(x, w, None, [2], [1], [1], [0], [0], 1)
emit('convt1d_same_lower', x=x, w=w, y=y)

# MaxPool 2-D: pads [1,0,0,1], strides [2,2], dil [1,2], k [2,2], ceil_mode
def pool(x, k, strides, dil, pb, pe, ceil, kind, cip=False, p=2):
    N, C = x.shape[:2]; d = x.ndim-2; ins = x.shape[2:]
    outs = []
    for i in range(d):
        e = (k[i]-1)*dil[i]+1
        span = ins[i] + pb[i] + pe[i] - e
        o = (-(-span // strides[i]) if ceil else span // strides[i]) + 1
        if ceil and (o-1)*strides[i] >= ins[i] + pb[i]: o -= 1
        outs.append(o)
    y = np.zeros((N, C) + tuple(outs)); ind = np.zeros((N, C) + tuple(outs), dtype=np.int64)
    for n in range(N):
        for c in range(C):
            for o in np.ndindex(*outs):
                vals = []; incl = 1
                for j in range(d):
                    cnt = 0
                    for kk in range(k[j]):
                        pos = o[j]*strides[j] - pb[j] + kk*dil[j]
                        if pos < ins[j] + pe[j]: cnt += 1
                    incl *= cnt
                for kk in np.ndindex(*k):
                    pos = tuple(o[j]*strides[j] - pb[j] + kk[j]*dil[j] for j in range(d))
                    if all(0 <= pos[j] < ins[j] for j in range(d)):
                        vals.append((x[(n,c)+pos], pos))
                if kind == 'max':
                    best = max(vals, key=lambda t: t[0])
                    # first max in scan order
                    for v, pos in vals:
                        if v == best[0]: best = (v, pos); break
                    y[(n,c)+o] = best[0]
                    # column-major spatial index
                    fl = 0; mul = 1
                    for j in range(d):
                        fl += best[1][j]*mul; mul *= ins[j]
                    ind[(n,c)+o] = (n*C + c)*int(np.prod(ins)) + fl
                elif kind == 'avg':
                    s = sum(v for v, _ in vals)
                    y[(n,c)+o] = s / (incl if cip else len(vals))
                else:
                    y[(n,c)+o] = sum(abs(v)**p for v, _ in vals) ** (1.0/p)
    return y, ind
x = r(2,2,5,6)
y, ind = pool(x, [2,2], [2,2], [1,2], [1,0], [0,1], True, 'max')
emit('maxpool_colmajor', x=x, y=y, i=ind)
x = r(1,2,5,5)
y, _ = pool(x, [3,2], [2,2], [1,1], [1,1], [1,0], True, 'avg', cip=True)
emit('avgpool_cip_ceil', x=x, y=y)
y, _ = pool(x, [3,2], [2,2], [1,1], [1,1], [1,0], True, 'avg', cip=False)
emit('avgpool_nocip_ceil', x=x, y=y)
y, _ = pool(x, [2,3], [1,2], [1,1], [0,1], [1,1], False, 'lp', p=3)
emit('lppool3', x=x, y=y)

# BatchNorm training (v15)
x = r(2,3,2,2); sc = r(3); bb = r(3); mean = r(3); var = np.abs(r(3))
cm = x.mean(axis=(0,2,3)); cv = x.var(axis=(0,2,3))
y = (x - cm.reshape(1,3,1,1)) / np.sqrt(cv.reshape(1,3,1,1) + 1e-5) * sc.reshape(1,3,1,1) + bb.reshape(1,3,1,1)
emit('bn_train', x=x, scale=sc, b=bb, mean=mean, var=var, y=y, rm=mean*0.8 + cm*0.2, rv=var*0.8 + cv*0.2)
# BN v7 spatial=0: params (C x D1 x D2)
x = r(2,3,2,2); sc = r(3,2,2); bb = r(3,2,2); mean = r(3,2,2); var = np.abs(r(3,2,2))
y = (x - mean) / np.sqrt(var + 1e-5) * sc + bb
emit('bn_nonspatial', x=x, scale=sc, b=bb, mean=mean, var=var, y=y)

# Einsum
a = r(2,1,3,4); bm = r(5,4,2)
emit('einsum_ell', a=a, b=bm, y=np.einsum('...ij,...jk->...ik', a, bm))
a = r(3,4,4)
emit('einsum_diag', a=a, y=np.einsum('bii->bi', a))
a = r(4,4)
emit('einsum_trace', a=a, y=np.einsum('ii', a))
a = r(3,4); bm = r(3,4); c = r(4,5)
emit('einsum_three', a=a, b=bm, c=c, y=np.einsum('ij,ij,jk', a, bm, c))
a = r(2,3,4)
emit('einsum_implicit', a=a, y=np.einsum('kji', a))
a = r(2,3); bm = r(3)
emit('einsum_outer_sum', a=a, b=bm, y=np.einsum('ij,k->jk', a, bm))
# MatMul
a = r(3); bm = r(2,3,4)
emit('matmul_1d', a=a, b=bm, y=np.matmul(a, bm))
a = r(2,1,3,4); bm = r(5,4,2)
emit('matmul_bcast', a=a, b=bm, y=np.matmul(a, bm))
a = r(4,3); bm = r(5,4); c = r(1,5)
emit('gemm_t', a=a, b=bm, c=c, y=0.5*a.T.dot(bm.T) + 2*c)
c = r(3,1)
emit('gemm_col', a=a, b=bm, c=c, y=0.5*a.T.dot(bm.T) + 2*c)
a = r(5,6); bm = r(7,5); c = r(7)
emit('gemm_big', a=a, b=bm, c=c, y=1.5*a.T.dot(bm.T) + 0.25*c)
a = r(6,5)
emit('gemm_big_nt', a=a, b=bm, y=a.dot(bm.T))
# Det
a = r(4,3,3)
emit('det', a=a, y=np.linalg.det(a))
# InstanceNorm, LRN, MVN
x = r(2,3,4); sc = r(3); bb = r(3)
m = x.mean(axis=2, keepdims=True); v = x.var(axis=2, keepdims=True)
emit('instnorm', x=x, scale=sc, b=bb, y=(x-m)/np.sqrt(v+1e-3)*sc.reshape(1,3,1)+bb.reshape(1,3,1))
x = r(2,5,3)
sq = np.zeros_like(x); size = 4
for c in range(5):
    lo = max(0, c - (size-1)//2); hi = min(4, c + -(-(size-1)//2))
    sq[:, c] = (x[:, lo:hi+1]**2).sum(axis=1)
emit('lrn', x=x, y=x / (2 + 0.001/size*sq)**0.5)
x = r(2,3,4)
m = x.mean(axis=(0,2), keepdims=True); sd = np.sqrt((x**2).mean(axis=(0,2), keepdims=True) - m**2)
emit('mvn', x=x, y=(x-m)/(sd+1e-9))
# LayerNorm axis=1 on (2,3,4) with scale (4,) broadcast
x = r(2,3,4); sc = r(4); bb = r(3,4)
m = x.mean(axis=(1,2), keepdims=True); v = x.var(axis=(1,2), keepdims=True)
emit('layernorm', x=x, scale=sc, b=bb, y=(x-m)/np.sqrt(v+1e-5)*sc+bb, mean=m, inv=1/np.sqrt(v+1e-5))

print('package nn\n\n// Code generated by a numpy script for tests; DO NOT EDIT.\n\nvar golden = map[string]map[string]goldenArray{')
print('\n'.join(out))
print('}')
