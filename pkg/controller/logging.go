package controller

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
)

// AddKlogFlags registers klog's verbosity flags (-v, -vmodule) on fs, and none
// of klog's file-output flags: the controller logs to stderr only.
func AddKlogFlags(fs *flag.FlagSet) {
	all := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(all)
	fs.Var(all.Lookup("v").Value, "v", "Log verbosity `level`: 0 start-up and errors, 2 decisions, 4 every sync and event, 6+ API requests.")
	fs.Var(all.Lookup("vmodule").Value, "vmodule", "Per-file verbosity, comma-separated `pattern=N` settings.")
}

// SetupLogging sets klog's output format; logs go to stderr either way. "text"
// is klog's own format. "json" writes one JSON object per line through a small
// logr sink (jsonSink below): k8s.io/component-base/logs/json would pull zap and
// component-base into the module for what is a few dozen lines here.
//
// Verbosity stays klog's (-v): klog checks it before handing a line to the sink.
func SetupLogging(format string) error {
	switch format {
	case LogFormatText:
		return nil // klog's default
	case LogFormatJSON:
		klog.SetLogger(logr.New(newJSONSink(os.Stderr)))
		return nil
	default:
		return fmt.Errorf("unknown log format %q (want %s or %s)", format, LogFormatText, LogFormatJSON)
	}
}

// jsonSink is a logr.LogSink writing lines such as
//
//	{"ts":"2026-01-02T03:04:05.678Z","level":"info","v":2,"caller":"rollout/sync.go:42","logger":"rollout","msg":"Scaled","rollout":"web","namespace":"shop"}
//
// Values that implement logr.Marshaler are logged as their MarshalLog value
// (klog.KObj becomes {"name":…,"namespace":…}); errors and durations as strings;
// anything json cannot encode as its %+v text.
type jsonSink struct {
	mu        *sync.Mutex // shared by every sink derived from one root
	w         io.Writer
	name      string
	values    []any
	callDepth int
	now       func() time.Time
}

var (
	_ logr.LogSink          = (*jsonSink)(nil)
	_ logr.CallDepthLogSink = (*jsonSink)(nil)
)

func newJSONSink(w io.Writer) *jsonSink {
	return &jsonSink{mu: &sync.Mutex{}, w: w, now: time.Now}
}

func (s *jsonSink) Init(info logr.RuntimeInfo) { s.callDepth += info.CallDepth }

// Enabled is always true: klog has already applied -v.
func (s *jsonSink) Enabled(int) bool { return true }

func (s *jsonSink) Info(level int, msg string, kv ...any) { s.write("info", level, msg, nil, kv) }

func (s *jsonSink) Error(err error, msg string, kv ...any) { s.write("error", 0, msg, err, kv) }

func (s *jsonSink) WithValues(kv ...any) logr.LogSink {
	c := *s
	c.values = append(append([]any(nil), s.values...), kv...)
	return &c
}

func (s *jsonSink) WithName(name string) logr.LogSink {
	c := *s
	if c.name != "" {
		c.name += "/"
	}
	c.name += name
	return &c
}

func (s *jsonSink) WithCallDepth(depth int) logr.LogSink {
	c := *s
	c.callDepth += depth
	return &c
}

// write renders one line. Frames to skip: write, Info/Error, then callDepth
// frames of logr and klog.
func (s *jsonSink) write(level string, v int, msg string, err error, kv []any) {
	var b bytes.Buffer
	b.WriteString(`{"ts":`)
	appendJSON(&b, s.now().UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	b.WriteString(`,"level":`)
	appendJSON(&b, level)
	if level == "info" {
		b.WriteString(`,"v":` + strconv.Itoa(v))
	}
	if _, file, line, ok := runtime.Caller(s.callDepth + 2); ok {
		b.WriteString(`,"caller":`)
		appendJSON(&b, filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file)+":"+strconv.Itoa(line))
	}
	if s.name != "" {
		b.WriteString(`,"logger":`)
		appendJSON(&b, s.name)
	}
	b.WriteString(`,"msg":`)
	appendJSON(&b, msg)
	if err != nil {
		b.WriteString(`,"err":`)
		appendJSON(&b, err.Error())
	}
	appendKVs(&b, s.values)
	appendKVs(&b, kv)
	b.WriteString("}\n")

	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.w.Write(b.Bytes())
}

// appendKVs appends ,"key":value pairs; a key without a value gets "(MISSING)".
func appendKVs(b *bytes.Buffer, kv []any) {
	for i := 0; i < len(kv); i += 2 {
		key, ok := kv[i].(string)
		if !ok {
			key = fmt.Sprint(kv[i])
		}
		var val any = "(MISSING)"
		if i+1 < len(kv) {
			val = kv[i+1]
		}
		b.WriteByte(',')
		appendJSON(b, key)
		b.WriteByte(':')
		appendJSON(b, logValue(val))
	}
}

// logValue turns a value into something encoding/json renders usefully.
func logValue(v any) any {
	switch t := v.(type) {
	case logr.Marshaler:
		return t.MarshalLog()
	case error:
		return t.Error()
	case time.Duration:
		return t.String()
	}
	return v
}

// appendJSON encodes v without HTML escaping; a value json cannot encode (a
// channel, a func, a cycle) is written as its %+v text instead.
func appendJSON(b *bytes.Buffer, v any) {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		out.Reset()
		_ = enc.Encode(fmt.Sprintf("%+v", v))
	}
	b.Write(bytes.TrimSuffix(out.Bytes(), []byte("\n")))
}
