package compiler

import (
	"container/heap"
	"fmt"

	"github.com/sinter-ml/sinter/ir"
)

// freeVars returns the names g uses but does not define (inputs,
// initializers and node outputs define names), including those used by
// nested subgraphs, in first-use order. These are the values a subgraph
// captures from its enclosing scopes.
func freeVars(g *ir.Graph) []string {
	defined := map[string]bool{"": true}
	for _, v := range g.Inputs {
		defined[v.Name] = true
	}
	for _, in := range g.Initializers {
		defined[in.Name] = true
	}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			defined[o] = true
		}
	}
	var free []string
	seen := map[string]bool{}
	use := func(name string) {
		if !defined[name] && !seen[name] {
			seen[name] = true
			free = append(free, name)
		}
	}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			use(in)
		}
		for _, name := range nodeCaptures(n) {
			use(name)
		}
	}
	for _, o := range g.Outputs {
		use(o.Name)
	}
	return free
}

// nodeCaptures is the union, in first-use order, of the free variables of
// n's graph attributes: the hidden inputs the compiler appends to n.
func nodeCaptures(n *ir.Node) []string {
	var out []string
	seen := map[string]bool{}
	add := func(g *ir.Graph) {
		for _, name := range freeVars(g) {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	for _, a := range n.Attrs {
		if a.G != nil {
			add(a.G)
		}
		for _, g := range a.Graphs {
			add(g)
		}
	}
	return out
}

// sortNodes orders g's nodes so every node comes after the producers of its
// inputs and hidden inputs, keeping file order where the file is already
// topological. It reports cycles and inputs nobody defines.
//
// available says which names are defined outside the nodes (graph inputs,
// initializers, captured outer values).
func sortNodes(g *ir.Graph, hidden [][]string, available map[string]bool) ([]int, error) {
	producer := map[string]int{}
	for i, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			if _, dup := producer[o]; dup || available[o] {
				return nil, fmt.Errorf("%s: value %q is defined more than once", n.Label(), o)
			}
			producer[o] = i
		}
	}
	indeg := make([]int, len(g.Nodes))
	users := make([][]int, len(g.Nodes))
	for i, n := range g.Nodes {
		deps := map[int]bool{}
		for _, list := range [][]string{n.Inputs, hidden[i]} {
			for _, in := range list {
				if in == "" || available[in] {
					continue
				}
				p, ok := producer[in]
				if !ok {
					return nil, fmt.Errorf("%s: input %q is not produced by any node nor a graph input or initializer", n.Label(), in)
				}
				if !deps[p] {
					deps[p] = true
					indeg[i]++
					users[p] = append(users[p], i)
				}
			}
		}
	}
	// Kahn's algorithm, always taking the lowest ready index so a
	// topologically ordered file keeps its order.
	ready := &intHeap{}
	for i, d := range indeg {
		if d == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]int, 0, len(g.Nodes))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, i)
		for _, u := range users[i] {
			indeg[u]--
			if indeg[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	if len(order) != len(g.Nodes) {
		for i, d := range indeg {
			if d > 0 {
				return nil, fmt.Errorf("%s: graph has a cycle through this node", g.Nodes[i].Label())
			}
		}
	}
	return order, nil
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
