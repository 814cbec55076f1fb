# Generates numpy_cases.json: operator cases whose expected outputs come from
# numpy (run with /usr/bin/python3 gen_numpy_cases.py).
import numpy as np, json, random, os
random.seed(0); np.random.seed(0)
cases=[]
def T(a):
    a=np.asarray(a)
    return {"dtype":str(a.dtype),"shape":list(a.shape),"data":a.ravel().tolist()}
def add(op,opset,inputs,outputs,attrs=None):
    cases.append({"op":op,"opset":opset,"attrs":attrs or {},"inputs":[None if i is None else T(i) for i in inputs],"outputs":[T(o) for o in outputs]})
# Slice
for _ in range(150):
    r=random.randint(1,3); shape=[random.randint(0,5) for _ in range(r)]
    x=np.arange(int(np.prod(shape)),dtype=np.float32).reshape(shape)
    k=random.randint(1,r); axes=random.sample(range(r),k)
    starts=[];ends=[];steps=[]; sl=[slice(None)]*r
    for a in axes:
        big=[-(2**63),2**63-1]
        s=random.choice([random.randint(-7,7),random.choice(big)]); e=random.choice([random.randint(-7,7),random.choice(big)])
        st=random.choice([1,2,3,-1,-2,-3])
        # numpy semantics need python ints; convert huge to None-equivalent by clipping
        d=shape[a]
        if st<0 and s+ (d if s<0 else 0) <0: s=random.randint(0,7)
        starts.append(s);ends.append(e);steps.append(st)
        sl[a]=slice(max(min(s,10**6),-10**6),max(min(e,10**6),-10**6),st)
    y=x[tuple(sl)]
    axes2=[a-r if random.random()<0.5 else a for a in axes]
    add("Slice",13,[x,np.array(starts,np.int64),np.array(ends,np.int64),np.array(axes2,np.int64),np.array(steps,np.int64)],[y])
# Pad (non-negative, numpy)
for _ in range(100):
    r=random.randint(1,3); shape=[random.randint(1,4) for _ in range(r)]
    x=np.random.randint(-9,9,size=shape).astype(np.int32)
    mode=random.choice(["constant","reflect","edge"])
    pb=[random.randint(0,5) for _ in range(r)]; pe=[random.randint(0,5) for _ in range(r)]
    if mode=="reflect":
        pb=[min(p,d-1) for p,d in zip(pb,shape)]; pe=[min(p,d-1) for p,d in zip(pe,shape)]
    kw={"constant_values":7} if mode=="constant" else {}
    y=np.pad(x,list(zip(pb,pe)),mode=mode,**kw)
    ins=[x,np.array(pb+pe,np.int64)]
    if mode=="constant": ins.append(np.array(7,np.int32))
    add("Pad",13,ins,[y],{"mode":mode})
# Unique with axis
for _ in range(100):
    r=random.randint(1,3); shape=[random.randint(1,4) for _ in range(r)]
    x=np.random.randint(0,2,size=shape).astype(np.int64)
    ax=random.randrange(r)
    u,i,inv,c=np.unique(x,axis=ax,return_index=True,return_inverse=True,return_counts=True)
    add("Unique",11,[x],[u,i.astype(np.int64),inv.astype(np.int64).ravel(),c.astype(np.int64)],{"axis":ax})
# GatherND with batch dims
for _ in range(100):
    b=random.randint(0,2); r=b+random.randint(1,3)
    shape=[random.randint(1,3) for _ in range(r)]
    x=np.random.randint(-9,9,size=shape).astype(np.float32)
    k=random.randint(1,r-b); extra=[random.randint(1,3) for _ in range(random.randint(0,2))]
    ish=shape[:b]+extra+[k]
    idx=np.zeros(ish,np.int64)
    it=np.nditer(idx,flags=['multi_index'],op_flags=['readwrite'])
    for v in it:
        j=it.multi_index[-1]; d=shape[b+j]; v[...]=random.randint(-d,d-1)
    bs=int(np.prod(shape[:b])); xb=x.reshape([bs]+shape[b:]); ib=idx.reshape([bs]+extra+[k])
    outs=[]
    for bi in range(bs):
        xi=xb[bi]; ii=ib[bi].reshape(-1,k)
        outs.append(np.stack([xi[tuple(t)] for t in ii]).reshape(extra+list(shape[b+k:])))
    y=np.stack(outs).reshape(shape[:b]+extra+list(shape[b+k:]))
    add("GatherND",13,[x,idx],[y],{"batch_dims":b})
# ScatterND add/mul
for _ in range(60):
    r=random.randint(1,3); shape=[random.randint(1,3) for _ in range(r)]
    x=np.random.randint(-5,5,size=shape).astype(np.float32)
    k=random.randint(1,r); n=random.randint(1,4)
    idx=np.array([[random.randint(-shape[j],shape[j]-1) for j in range(k)] for _ in range(n)],np.int64)
    upd=np.random.randint(-5,5,size=[n]+shape[k:]).astype(np.float32)
    red=random.choice(["add","mul","none"])
    if red=="none":
        # unique indices only
        seen=set(); keep=[]
        for i,t in enumerate(idx):
            tt=tuple(int(v)%shape[j] for j,v in enumerate(t))
            if tt not in seen: seen.add(tt); keep.append(i)
        idx=idx[keep]; upd=upd[keep]
    y=x.copy()
    for t,u in zip(idx,upd):
        if red=="add": y[tuple(t)]+=u
        elif red=="mul": y[tuple(t)]*=u
        else: y[tuple(t)]=u
    add("ScatterND",16,[x,idx,upd],[y],{"reduction":red})
# TopK
for _ in range(100):
    r=random.randint(1,3); shape=[random.randint(1,5) for _ in range(r)]
    x=np.random.randint(0,4,size=shape).astype(np.float32)
    ax=random.randrange(r); k=random.randint(0,shape[ax]); largest=random.randint(0,1)
    key=-x if largest else x
    order=np.argsort(key,axis=ax,kind='stable')
    idx=np.take(order,range(k),axis=ax)
    vals=np.take_along_axis(x,idx,axis=ax)
    add("TopK",11,[x,np.array([k],np.int64)],[vals,idx.astype(np.int64)],{"axis":ax-r,"largest":largest})
# Transpose
for _ in range(60):
    r=random.randint(0,5); shape=[random.randint(1,3) for _ in range(r)]
    x=np.arange(int(np.prod(shape)),dtype=np.int16).reshape(shape)
    p=list(range(r)); random.shuffle(p)
    add("Transpose",13,[x],[x.transpose(p)],{"perm":p})
# Expand/Tile
for _ in range(80):
    r=random.randint(0,3); shape=[random.choice([1,2,3]) for _ in range(r)]
    x=np.arange(int(np.prod(shape)),dtype=np.float64).reshape(shape)
    tgt=[random.choice([1,d]) for d in shape]
    tgt=[random.randint(1,3) for _ in range(random.randint(0,2))]+tgt
    tgt=[random.choice([t,1]) if s==1 else t for t,s in zip(tgt,[1]*(len(tgt)-r)+shape)] 
    tgt=[random.randint(1,3) if t==1 and random.random()<0.5 else t for t in tgt]
    try: y=x*np.ones(tgt)
    except Exception: continue
    add("Expand",13,[x,np.array(tgt,np.int64)],[y])
    if r>0:
        reps=[random.randint(0,3) for _ in range(r)]
        add("Tile",13,[x,np.array(reps,np.int64)],[np.tile(x,reps)])
json.dump(cases,open(os.path.join(os.path.dirname(os.path.abspath(__file__)),'numpy_cases.json'),'w'),separators=(',',':'))
print(len(cases))
