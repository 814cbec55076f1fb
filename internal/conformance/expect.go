package conformance

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Outcome is the recorded result of one case: Pass, or the reason it fails.
type Outcome struct {
	Pass   bool
	Reason string
}

// Line renders o as it appears in an expectation file.
func (o Outcome) line(id string) string {
	if o.Pass {
		return id + " pass"
	}
	return id + " fail " + o.Reason
}

// ReasonOf condenses an error into a one-line reason.
func ReasonOf(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// ParseExpectations reads lines "suite/case pass" or "suite/case fail reason";
// blank lines and lines starting with # are ignored.
func ParseExpectations(r io.Reader) (map[string]Outcome, error) {
	out := map[string]Outcome{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, rest, _ := strings.Cut(line, " ")
		verdict, reason, _ := strings.Cut(rest, " ")
		switch verdict {
		case "pass":
			out[id] = Outcome{Pass: true}
		case "fail":
			out[id] = Outcome{Reason: reason}
		default:
			return nil, fmt.Errorf("line %d: want \"<case> pass\" or \"<case> fail <reason>\", got %q", n, line)
		}
	}
	return out, sc.Err()
}

// WriteExpectations writes outcomes sorted by case ID under a header.
func WriteExpectations(w io.Writer, outcomes map[string]Outcome) error {
	ids := make([]string, 0, len(outcomes))
	for id := range outcomes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	pass := 0
	for _, o := range outcomes {
		if o.Pass {
			pass++
		}
	}
	fmt.Fprintf(w, "# ONNX backend test outcomes for Sinter, one line per case: \"<suite>/<case> pass\" or\n")
	fmt.Fprintf(w, "# \"<suite>/<case> fail <reason>\". TestConformance fails when a case disagrees with its\n")
	fmt.Fprintf(w, "# line in either direction. Regenerate with: go test ./internal/conformance -run TestConformance -update\n")
	fmt.Fprintf(w, "# %d of %d cases pass.\n", pass, len(outcomes))
	for _, id := range ids {
		if _, err := fmt.Fprintln(w, outcomes[id].line(id)); err != nil {
			return err
		}
	}
	return nil
}

// TallyTable renders per-suite pass counts as the Markdown table the README
// shows between its tally markers.
func TallyTable(pass, total map[string]int) string {
	var b strings.Builder
	b.WriteString("| suite | pass | cases |\n|---|---|---|\n")
	for _, s := range Suites {
		fmt.Fprintf(&b, "| %s | %d | %d |\n", s, pass[s], total[s])
	}
	return b.String()
}

// ReplaceBlock replaces the text between "<!-- tally:NAME -->\n" and
// "<!-- /tally -->" in doc, reporting whether the markers were found.
func ReplaceBlock(doc, name, body string) (string, bool) {
	open := "<!-- tally:" + name + " -->\n"
	i := strings.Index(doc, open)
	if i < 0 {
		return doc, false
	}
	j := strings.Index(doc[i+len(open):], "<!-- /tally -->")
	if j < 0 {
		return doc, false
	}
	start, end := i+len(open), i+len(open)+j
	return doc[:start] + body + doc[end:], true
}
