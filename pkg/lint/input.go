package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// ExpandInputs turns the -f arguments into the files to read, in order: a
// directory gives its *.yaml, *.yml and *.json files sorted by name (and those of
// its subdirectories with recursive), as kubectl apply -f does; "-" is stdin.
func ExpandInputs(args []string, recursive bool) ([]string, error) {
	var out []string
	for _, arg := range args {
		if arg == "-" {
			out = append(out, arg)
			continue
		}
		info, err := os.Stat(arg)
		if pathErr := (*fs.PathError)(nil); errors.As(err, &pathErr) {
			return nil, fmt.Errorf("read %s: %w", arg, pathErr.Err)
		}
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, arg)
			continue
		}
		files, err := manifestFiles(arg, recursive)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}

// manifestFiles lists the manifest files of a directory.
func manifestFiles(dir string, recursive bool) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if d.IsDir() {
			if path != dir && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// DisplayName is how findings name an input: "-" is <stdin>.
func DisplayName(file string) string {
	if file == "-" {
		return "<stdin>"
	}
	return file
}

// yamlDocument is one document of a YAML stream and the file line it starts on.
type yamlDocument struct {
	body []byte
	line int
}

// splitYAML splits a stream at "---" lines, as kubectl does, remembering where
// each document starts so that parse errors can name file lines.
func splitYAML(raw []byte) []yamlDocument {
	var docs []yamlDocument
	var body bytes.Buffer
	start := 1
	lines := strings.SplitAfter(string(raw), "\n")
	for i, line := range lines {
		if isDocumentSeparator(line) {
			docs = append(docs, yamlDocument{body: bytes.Clone(body.Bytes()), line: start})
			body.Reset()
			start = i + 2
			continue
		}
		body.WriteString(line)
	}
	return append(docs, yamlDocument{body: body.Bytes(), line: start})
}

func isDocumentSeparator(line string) bool {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "---")
	rest = strings.TrimSpace(rest)
	return ok && (rest == "" || strings.HasPrefix(rest, "#"))
}

// hasContent reports whether a document holds more than blank lines and comments.
func hasContent(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "---" && !strings.HasPrefix(line, "#") {
			return true
		}
	}
	return false
}

// yamlError drops the conversion step from a YAML parse error.
func yamlError(err error) string {
	return strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
}

// lintFile checks every document of one file.
func (l *linter) lintFile(file string, raw []byte) {
	index := 0
	for _, d := range splitYAML(raw) {
		if !hasContent(d.body) {
			continue
		}
		index++
		l.documents++
		doc := &lintDoc{file: file, index: index, order: l.documents}
		l.lintDocument(doc, d)
	}
}

// lintDocument parses one document and checks the object (or the items of a List).
func (l *linter) lintDocument(doc *lintDoc, d yamlDocument) {
	whole := &lintObject{doc: doc}
	var v any
	if err := yaml.UnmarshalStrict(d.body, &v, useNumber); err != nil {
		// A duplicate key fails only the strict parse: report it and go on with
		// the last value, as a lenient client would send.
		if yaml.Unmarshal(d.body, &v, useNumber) != nil {
			l.report(whole, sevError, "", yamlMessage(err, d.line))
			return
		}
		l.report(whole, sevError, "", yamlMessage(err, d.line))
	}
	m, ok := v.(map[string]any)
	if !ok {
		l.report(whole, sevError, "", fmt.Sprintf("not a Kubernetes object: expected a mapping with apiVersion and kind, got %s", jsonKind(v)))
		return
	}
	items, isList := m["items"].([]any)
	kind, _ := m["kind"].(string)
	if !isList || !strings.HasSuffix(kind, "List") {
		l.lintObject(newLintObject(doc, "", m))
		return
	}
	for i, item := range items {
		prefix := fmt.Sprintf("items[%d]", i)
		im, ok := item.(map[string]any)
		if !ok {
			l.report(&lintObject{doc: doc, prefix: prefix}, sevError, "", fmt.Sprintf("not a Kubernetes object: expected a mapping with apiVersion and kind, got %s", jsonKind(item)))
			continue
		}
		l.lintObject(newLintObject(doc, prefix, im))
	}
}

// useNumber keeps numbers as written, so that 1000000 stays an integer when the
// object is encoded again for the typed decoder.
func useNumber(d *json.Decoder) *json.Decoder {
	d.UseNumber()
	return d
}

var (
	yamlLineRE            = regexp.MustCompile(`\bline (\d+)\b`)
	yamlUnmarshalErrorsRE = regexp.MustCompile(`unmarshal errors:\n\s*`)
)

// yamlMessage makes a YAML parse error one line that names file lines: the
// parser counts from the start of the document.
func yamlMessage(err error, firstLine int) string {
	msg := yamlError(err)
	msg = yamlUnmarshalErrorsRE.ReplaceAllString(msg, "")
	msg = yamlLineRE.ReplaceAllStringFunc(msg, func(s string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
		return fmt.Sprintf("line %d", n+firstLine-1)
	})
	return oneLine(msg)
}

// jsonKind names the JSON type of a decoded value for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
