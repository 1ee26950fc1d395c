package fleetplan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// JSON writes the plan in its documented shape (docs/plan.md).
func JSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

var symbol = map[Action]string{Create: "+", Update: "~", Rolling: "↻", Replace: "±", Destroy: "-"}

var words = map[Action]string{Create: "create", Update: "update in place", Rolling: "rolling", Replace: "REPLACE", Destroy: "DESTROY"}

// Text writes the plan for a terminal; color adds ANSI colours (red for destroy and replace,
// yellow for changes in place and rolls, green for creations).
func Text(w io.Writer, p *Plan, color bool) error {
	paint := func(a Action, s string) string {
		if !color {
			return s
		}
		code := map[Action]string{Create: "32", Update: "33", Rolling: "33", Replace: "31;1", Destroy: "31;1"}[a]
		if code == "" {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Plan: merging %s into %s\n", p.Head, p.Base)
	if len(p.Clusters) == 0 && len(p.Infra) == 0 && len(p.Files) == 0 {
		b.WriteString("\nNo changes: merging changes nothing in Azure or on the clusters.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	for _, c := range p.Clusters {
		fmt.Fprintf(&b, "\ncluster %s", c.Name)
		if c.ResourceGroup != "" {
			fmt.Fprintf(&b, " (resource group %s, %s)", c.ResourceGroup, c.Location)
		}
		fmt.Fprintf(&b, ": %s\n", paint(c.Action, words[c.Action]))
		for _, ch := range c.Changes {
			fmt.Fprintf(&b, "  %s %s: %s\n", paint(ch.Action, symbol[ch.Action]), ch.Subject, ch.Description)
			if ch.Reason != "" {
				fmt.Fprintf(&b, "      %s\n", ch.Reason)
			}
		}
		writeObjectsText(&b, c.Objects, paint)
	}
	for _, in := range p.Infra {
		fmt.Fprintf(&b, "\ninfra %s: reaches %s: %s\n", in.Path, plural(len(in.Clusters), "cluster", "clusters"), strings.Join(in.Clusters, ", "))
		fmt.Fprintf(&b, "  changed files: %s\n", strings.Join(in.Files, ", "))
		if in.Error != "" {
			fmt.Fprintf(&b, "  %s\n", in.Error)
		}
		writeObjectsText(&b, in.Objects, paint)
	}
	if len(p.Files) > 0 {
		b.WriteString("\nother files (no object of a cluster changes):\n")
		for _, f := range p.Files {
			fmt.Fprintf(&b, "  %s (%s)\n", f.Path, f.Change)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", summaryLine(p))
	_, err := io.WriteString(w, b.String())
	return err
}

func writeObjectsText(b *strings.Builder, objs []ObjectChange, paint func(Action, string) string) {
	if len(objs) == 0 {
		return
	}
	b.WriteString("  objects:\n")
	for _, o := range objs {
		fmt.Fprintf(b, "    %s %s (%s)\n", paint(o.Action, symbol[o.Action]), o.ID(), o.APIVersion)
		for _, f := range o.Fields {
			fmt.Fprintf(b, "        %s\n", fieldText(f))
		}
	}
}

func fieldText(f Field) string {
	switch {
	case f.From == "":
		return fmt.Sprintf("%s: + %s", f.Path, f.To)
	case f.To == "":
		return fmt.Sprintf("%s: - %s", f.Path, f.From)
	}
	return fmt.Sprintf("%s: %s → %s", f.Path, f.From, f.To)
}

func summaryLine(p *Plan) string {
	s := p.Summary
	var parts []string
	for _, x := range []struct {
		n    int
		what string
	}{{s.Destroy, "to destroy"}, {s.Replace, "to replace"}, {s.Create, "to create"}, {s.Rolling, "rolling"}, {s.Update, "to update in place"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	if len(parts) == 0 {
		parts = []string{"no change to Azure"}
	}
	line := fmt.Sprintf("Plan: %s; %s changed", strings.Join(parts, ", "), plural(s.ClustersChanged, "cluster", "clusters"))
	reached := map[string]bool{}
	for _, in := range p.Infra {
		for _, c := range in.Clusters {
			reached[c] = true
		}
	}
	if len(reached) > 0 {
		line += fmt.Sprintf(", infra changes reach %s", plural(len(reached), "cluster", "clusters"))
	}
	return line + "."
}

// Markdown writes the plan as a pull request body: a summary table first, then each cluster's
// details folded.
func Markdown(w io.Writer, p *Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### fleetctl plan\n\n%s\n", mdEscape(summaryLine(p)))
	if p.Destructive() {
		b.WriteString("\n> [!CAUTION]\n> This change destroys or replaces Azure resources. Read the rows marked **DESTROY** and **REPLACE** before merging.\n")
	}
	if len(p.Clusters) > 0 || len(p.Infra) > 0 {
		b.WriteString("\n| cluster | action | what happens |\n| --- | --- | --- |\n")
		for _, c := range p.Clusters {
			var what []string
			for _, ch := range c.Changes {
				what = append(what, mdEscape(ch.Subject+": "+ch.Description))
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, mdAction(c.Action), strings.Join(what, "<br>"))
		}
		for _, in := range p.Infra {
			fmt.Fprintf(&b, "| infra `%s` | %s | %s reached: %s |\n", in.Path, mdAction(infraAction(in)),
				plural(len(in.Clusters), "cluster", "clusters"), mdEscape(strings.Join(in.Clusters, ", ")))
		}
	}
	for _, c := range p.Clusters {
		fmt.Fprintf(&b, "\n<details><summary><code>%s</code>: %s</summary>\n\n", c.Name, words[c.Action])
		if c.ResourceGroup != "" {
			fmt.Fprintf(&b, "Resource group `%s` in `%s`.\n\n", c.ResourceGroup, c.Location)
		}
		for _, ch := range c.Changes {
			fmt.Fprintf(&b, "- %s **%s**: %s", mdAction(ch.Action), mdEscape(ch.Subject), mdEscape(ch.Description))
			if ch.Reason != "" {
				fmt.Fprintf(&b, " _%s_", mdEscape(ch.Reason))
			}
			b.WriteString("\n")
		}
		writeObjectsMD(&b, c.Objects)
		b.WriteString("\n</details>\n")
	}
	for _, in := range p.Infra {
		fmt.Fprintf(&b, "\n<details><summary>infra <code>%s</code>: %s</summary>\n\n", in.Path, plural(len(in.Objects), "object changes", "objects change"))
		fmt.Fprintf(&b, "Reaches %s. Changed files: %s.\n", mdEscape(strings.Join(in.Clusters, ", ")), "`"+strings.Join(in.Files, "`, `")+"`")
		if in.Error != "" {
			fmt.Fprintf(&b, "\n%s\n", mdEscape(in.Error))
		}
		writeObjectsMD(&b, in.Objects)
		b.WriteString("\n</details>\n")
	}
	if len(p.Files) > 0 {
		b.WriteString("\nOther files: ")
		var fs []string
		for _, f := range p.Files {
			fs = append(fs, fmt.Sprintf("`%s` (%s)", f.Path, f.Change))
		}
		b.WriteString(strings.Join(fs, ", ") + ".\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func infraAction(in Infra) Action {
	a := None
	for _, o := range in.Objects {
		a = Worse(a, o.Action)
	}
	return a
}

func writeObjectsMD(b *strings.Builder, objs []ObjectChange) {
	if len(objs) == 0 {
		return
	}
	b.WriteString("\n```diff\n")
	for _, o := range objs {
		sign := map[Action]string{Create: "+", Destroy: "-", Update: "!"}[o.Action]
		fmt.Fprintf(b, "%s %s (%s)\n", sign, o.ID(), o.APIVersion)
		for _, f := range o.Fields {
			fmt.Fprintf(b, "!   %s\n", strings.ReplaceAll(fieldText(f), "```", "'''"))
		}
	}
	b.WriteString("```\n")
}

func mdAction(a Action) string {
	switch a {
	case Destroy, Replace:
		return "**" + words[a] + "**"
	case None:
		return "none"
	}
	return words[a]
}

var mdEscaper = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "'")

func mdEscape(s string) string { return mdEscaper.Replace(s) }
