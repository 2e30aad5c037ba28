package apigw

import (
	"bytes"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// PrefixHeader carries the API mapping's base path ("/offers") to the handlers of a
// request that came in under it, so that the URLs they hand out keep it. apigw sets
// or removes it on every request: a client cannot choose it.
const PrefixHeader = "X-Forwarded-Prefix"

// basePathFromEnv reads API_BASE_PATH, the API mapping key of a custom domain
// ("offers", or empty when the API is mapped at the domain's root or reached at its
// execute-api address), as "/offers" or "".
func basePathFromEnv() string {
	p := strings.Trim(os.Getenv("API_BASE_PATH"), "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// stripBasePath returns path without the mapping's base path, and whether it had
// it. API Gateway matches routes without the mapping key but hands Lambda the path
// as the client sent it, so under a custom domain with a base path every route
// would otherwise miss. On the execute-api address the path comes without it.
func stripBasePath(basePath, path string) (string, bool) {
	if basePath == "" {
		return path, false
	}
	rest, ok := strings.CutPrefix(path, basePath)
	switch {
	case !ok:
		return path, false
	case rest == "":
		return "/", true
	case rest[0] == '/':
		return rest, true
	}
	return path, false
}

// addBasePath puts the base path back in front of what the handler answered with a
// path of its own: a Location, the Path of a cookie, and the root-relative URLs of
// an HTML page's attributes (href="/console/...", action="/v1/..."). The HTML the
// handlers write comes from shared/markup, which escapes every quote in text and
// attribute values, so `="/` occurs only where an attribute's value begins.
func addBasePath(basePath string, res *events.APIGatewayV2HTTPResponse) {
	if loc, ok := res.Headers["Location"]; ok && strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
		res.Headers["Location"] = basePath + loc
	}
	for i, c := range res.Cookies {
		res.Cookies[i] = prefixCookiePath(basePath, c)
	}
	mediaType, _, _ := strings.Cut(res.Headers["Content-Type"], ";")
	if strings.TrimSpace(strings.ToLower(mediaType)) != "text/html" || res.IsBase64Encoded {
		return
	}
	var b bytes.Buffer
	body := res.Body
	for {
		i := strings.Index(body, `="/`)
		if i < 0 {
			b.WriteString(body)
			break
		}
		b.WriteString(body[:i+2])
		body = body[i+2:]
		if !strings.HasPrefix(body, "//") {
			b.WriteString(basePath)
		}
	}
	res.Body = b.String()
}

// prefixCookiePath puts basePath in front of a Set-Cookie's Path attribute.
func prefixCookiePath(basePath, cookie string) string {
	parts := strings.Split(cookie, ";")
	for i, p := range parts {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(name, "Path") && strings.HasPrefix(value, "/") {
			parts[i] = " Path=" + basePath + value
		}
	}
	return strings.Join(parts, ";")
}

// setPrefix records on r whether it came in under the base path.
func setPrefix(r *http.Request, basePath string, under bool) {
	if under {
		r.Header.Set(PrefixHeader, basePath)
	} else {
		r.Header.Del(PrefixHeader)
	}
}
