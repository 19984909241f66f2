package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// maxBodyBytes bounds the JSON bodies of the dashboard's PUT routes; the
// largest, a preferred-model list, is a few kilobytes.
const maxBodyBytes = 64 << 10

// errorEnvelope is the OpenAI error shape, so clients that already parse
// OpenAI errors understand the dashboard's too.
type errorEnvelope struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    string `json:"code"`
}

// errorType maps a status to the OpenAI error type.
func errorType(status int) string {
	switch {
	case status == http.StatusNotFound:
		return "not_found_error"
	case status >= 400 && status < 500:
		return "invalid_request_error"
	default:
		return "api_error"
	}
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, errorEnvelope{Error: errorBody{Message: message, Type: errorType(status), Code: code}})
}

// writeSourceError answers a failed Source call. A StatusError is a refusal
// the Source meant the user to read, so its status, code and message go out
// as they are; anything else is Freelane's own failure: a 500 with code and
// a message that says what was being done.
func (h *handler) writeSourceError(w http.ResponseWriter, err error, code, doing string) {
	var se *StatusError
	// An out-of-range status would make WriteHeader panic; treat such a
	// StatusError as the Source's own failure instead.
	if errors.As(err, &se) && se.Status >= 400 && se.Status <= 599 {
		h.log.Info(doing+" refused", "status", se.Status, "code", se.Code, "reason", se.Message)
		errCode := se.Code
		if errCode == "" {
			errCode = code
		}
		writeError(w, se.Status, errCode, se.Message)
		return
	}
	h.log.Warn(doing, "err", err)
	writeError(w, http.StatusInternalServerError, code, fmt.Sprintf("%s: %v", doing, err))
}

// writeJSON encodes into a buffer first so an encoding failure can still
// become a clean 500 rather than half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"message":"encoding the response failed","type":"api_error","code":"internal_error"}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// badRequestError is a client mistake whose message is safe to show.
type badRequestError struct {
	status int
	code   string
	msg    string
}

func (e *badRequestError) Error() string { return e.msg }

// decodeJSONBody reads a JSON object into dst. It insists on a JSON content
// type so that a cross-site HTML form, which cannot send one without a CORS
// preflight, never reaches a state-changing route.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, dst any) error {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return &badRequestError{http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return describeDecodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return &badRequestError{http.StatusBadRequest, "invalid_json", "request body must hold a single JSON object"}
	}
	return nil
}

func describeDecodeError(err error) error {
	var (
		syntaxErr   *json.SyntaxError
		typeErr     *json.UnmarshalTypeError
		tooLargeErr *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLargeErr):
		return &badRequestError{http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("request body is larger than %d bytes", tooLargeErr.Limit)}
	case errors.As(err, &syntaxErr):
		return &badRequestError{http.StatusBadRequest, "invalid_json",
			fmt.Sprintf("request body is not valid JSON (at byte %d)", syntaxErr.Offset)}
	case errors.As(err, &typeErr):
		return &badRequestError{http.StatusBadRequest, "invalid_json",
			fmt.Sprintf("field %q must be %s, not %s", typeErr.Field, jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)}
	case errors.Is(err, io.EOF):
		return &badRequestError{http.StatusBadRequest, "invalid_json", "request body is empty"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &badRequestError{http.StatusBadRequest, "invalid_json", "request body is truncated JSON"}
	default:
		// DisallowUnknownFields reports `json: unknown field "x"`.
		return &badRequestError{http.StatusBadRequest, "invalid_json", fmt.Sprintf("request body is invalid: %v", err)}
	}
}

func jsonTypeName(kind string) string {
	switch kind {
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	default:
		return "a " + kind
	}
}

// writeDecodeError answers a decodeJSONBody failure.
func writeDecodeError(w http.ResponseWriter, err error) {
	var bad *badRequestError
	if errors.As(err, &bad) {
		writeError(w, bad.status, bad.code, bad.msg)
		return
	}
	writeError(w, http.StatusBadRequest, "invalid_request", err.Error())
}
