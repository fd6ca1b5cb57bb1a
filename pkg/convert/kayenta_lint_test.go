package convert_test

import (
	"os"
	"strings"
	"testing"

	"github.com/sluice-dev/sluice/pkg/convert"
	"github.com/sluice-dev/sluice/pkg/lint"
)

// An Argo experiment judged by Kayenta converts to a Rollout and a judge
// template that lint finds no error in. (A test of its own package: lint
// imports convert.)
func TestConvertedKayentaLintsClean(t *testing.T) {
	var c convert.Converter
	for _, step := range []struct {
		file string
		load func(string, []byte) error
	}{{"testdata/kayenta-config.json", c.KayentaConfig}, {"testdata/argo-kayenta.in.yaml", c.File}} {
		raw, err := os.ReadFile(step.file)
		if err != nil {
			t.Fatal(err)
		}
		if err := step.load(step.file, raw); err != nil {
			t.Fatal(err)
		}
	}
	report := lint.Files([]lint.Input{{Name: "out.yaml", Content: []byte(c.Output())}}, false)
	if report.Errors() != 0 {
		var b strings.Builder
		report.Print(&b)
		t.Errorf("lint finds errors in the converted objects:\n%s", b.String())
	}
}
