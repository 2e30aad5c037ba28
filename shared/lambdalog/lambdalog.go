// Package lambdalog builds the JSON logger of the Lambda functions: one JSON object
// per line, which CloudWatch Logs (with the template's LogFormat: JSON) indexes as
// is, with the keys of Lambda's own JSON application logs (timestamp, level, message,
// requestId), the Lambda request ID on every record logged with an invocation's
// context, so the lines of one request can be found together, and coldStart: true on
// the lines of the first invocation a process serves.
//
// It keeps aws-lambda-go's key names (lambdacontext.ReplaceAttr) but not
// lambdacontext.NewLogHandler, which writes to os.Stdout only and reads its level and
// format once, at package init, so a test can neither read nor vary it; which adds
// requestId inside the logger's innermost group, where a query on requestId misses
// the line; and which knows neither cold starts nor EMF metrics. Both are in the
// binaries already (lambdacontext is the runtime loop's too): the choice costs no size.
package lambdalog

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"leadgate/shared/lambdaruntime"
	"leadgate/shared/metrics"
)

// The keys the handler adds to the records of an invocation, as Lambda's JSON logs
// and aws-lambda-go name them.
const (
	// RequestIDKey carries the Lambda request ID.
	RequestIDKey = "requestId"
	// ColdStartKey is true on the records of the process's first invocation (the
	// one that waited for the process to start), absent on the others.
	ColdStartKey = "coldStart"
)

// New returns a JSON logger writing to w at the level AWS_LAMBDA_LOG_LEVEL names
// (DEBUG, INFO, WARN or ERROR; INFO when unset or unknown), the variable Lambda sets
// from the function's LoggingConfig.ApplicationLogLevel. Records logged with a
// context that carries a lambdacontext.LambdaContext get its AwsRequestID as
// requestId, and coldStart: true when lambdaruntime.ColdStart says so. The record's
// time and message are timestamp and message, as in Lambda's JSON logs.
func New(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch os.Getenv("AWS_LAMBDA_LOG_LEVEL") {
	case "DEBUG", "TRACE":
		level = slog.LevelDebug
	case "WARN":
		level = slog.LevelWarn
	case "ERROR", "FATAL":
		level = slog.LevelError
	}
	base := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: lambdacontext.ReplaceAttr})
	ns := os.Getenv("METRICS_NAMESPACE")
	if ns == "" {
		ns = "Leadgate"
	}
	return slog.New(&requestIDHandler{Handler: base, root: base, namespace: ns})
}

// requestIDHandler adds the request ID (and the cold start) of the record's context
// to the record, at the top level of the object even when the logger has groups: a
// query on requestId must find every line of the request.
type requestIDHandler struct {
	slog.Handler // root with derive applied

	root   slog.Handler                      // the JSON handler, without attrs or groups
	derive []func(slog.Handler) slog.Handler // the WithAttrs and WithGroup calls, in order
	group  bool                              // whether derive opens a group

	namespace string // of the EMF metrics (METRICS_NAMESPACE)
}

func (h *requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	// A record that counts a metric becomes an EMF document, whose keys CloudWatch
	// reads at the top level of the line: only from a logger without groups.
	if !h.group {
		if emf := metrics.EMF(r, h.namespace); emf != nil {
			r = r.Clone()
			r.AddAttrs(emf...)
		}
	}
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok || lc.AwsRequestID == "" {
		return h.Handler.Handle(ctx, r)
	}
	ids := []slog.Attr{slog.String(RequestIDKey, lc.AwsRequestID)}
	if lambdaruntime.ColdStart(ctx) {
		ids = append(ids, slog.Bool(ColdStartKey, true))
	}
	if !h.group {
		r.AddAttrs(ids...)
		return h.Handler.Handle(ctx, r)
	}
	// Record attributes land in the innermost group, so the ID goes in first, as
	// an attribute of the root, and the logger's attrs and groups follow.
	inner := h.root.WithAttrs(ids)
	for _, d := range h.derive {
		inner = d(inner)
	}
	return inner.Handle(ctx, r)
}

func (h *requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(func(n slog.Handler) slog.Handler { return n.WithAttrs(attrs) }, false)
}

func (h *requestIDHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(func(n slog.Handler) slog.Handler { return n.WithGroup(name) }, true)
}

func (h *requestIDHandler) with(d func(slog.Handler) slog.Handler, group bool) *requestIDHandler {
	return &requestIDHandler{
		Handler: d(h.Handler),
		root:    h.root,
		derive:  append(h.derive[:len(h.derive):len(h.derive)], d),
		group:   h.group || group,

		namespace: h.namespace,
	}
}
