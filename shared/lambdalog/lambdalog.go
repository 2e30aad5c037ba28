// Package lambdalog builds the JSON logger of the Lambda functions: one JSON object
// per line, which CloudWatch Logs (with the template's LogFormat: JSON) indexes as
// is, and the Lambda request ID on every record logged with an invocation's context,
// so the lines of one request can be found together.
//
// aws-lambda-go's lambdacontext.NewLogHandler does the same but writes only to
// os.Stdout, so a test cannot read its output; this one takes the writer.
package lambdalog

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"leadgate/shared/metrics"
)

// RequestIDKey is the attribute that carries the Lambda request ID.
const RequestIDKey = "request_id"

// New returns a JSON logger writing to w at the level AWS_LAMBDA_LOG_LEVEL names
// (DEBUG, INFO, WARN or ERROR; INFO when unset or unknown), the variable Lambda sets
// from the function's LoggingConfig.ApplicationLogLevel. Records logged with a
// context that carries a lambdacontext.LambdaContext get its AwsRequestID as
// request_id.
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
	base := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	ns := os.Getenv("METRICS_NAMESPACE")
	if ns == "" {
		ns = "Leadgate"
	}
	return slog.New(&requestIDHandler{Handler: base, root: base, namespace: ns})
}

// requestIDHandler adds the request ID of the record's context to the record, at the
// top level of the object even when the logger has groups: a query on request_id
// must find every line of the request.
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
	id := slog.String(RequestIDKey, lc.AwsRequestID)
	if !h.group {
		r.AddAttrs(id)
		return h.Handler.Handle(ctx, r)
	}
	// Record attributes land in the innermost group, so the ID goes in first, as
	// an attribute of the root, and the logger's attrs and groups follow.
	inner := h.root.WithAttrs([]slog.Attr{id})
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
