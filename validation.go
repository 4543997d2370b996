package mangopay

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidRequest matches, through errors.Is, every error a method returns
// when it refuses a request locally, before anything is sent to Mangopay: a
// nil request, a missing required field, a malformed value. Such a request
// can be fixed and sent again; nothing happened on Mangopay's side. A handler
// answers it like Mangopay's own 400 (see [APIError]).
//
// The error itself is a [*ValidationError] (or, for recipients, a
// [*RecipientCheckError]).
var ErrInvalidRequest = errors.New("mangopay: invalid request")

// FieldProblem is one problem a local check found in a request.
type FieldProblem struct {
	// Field is the dotted Go/JSON name of the field, e.g. "DebitedFunds.Amount";
	// empty when the problem is with the request as a whole (a nil request).
	Field string
	// Problem says what is wrong, in words, e.g. "must be positive".
	Problem string
}

// ValidationError lists the problems a local check found in a request; the
// request was not sent. It matches [ErrInvalidRequest] through errors.Is.
type ValidationError struct {
	// Op is the method that refused the request, e.g. "Transfers.Create".
	Op string
	// Problems are in field order; there is at least one.
	Problems []FieldProblem
}

// Error lists the problems on one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("mangopay: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Field != "" {
			b.WriteString(p.Field)
			b.WriteByte(' ')
		}
		b.WriteString(p.Problem)
	}
	return oneLine(b.String())
}

// Is reports whether target is [ErrInvalidRequest].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

// Has reports whether a problem was found with field.
func (e *ValidationError) Has(field string) bool {
	for _, p := range e.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

// problemList collects FieldProblems for one request; err returns nil when
// there are none.
type problemList struct {
	op   string
	list []FieldProblem
}

func newProblems(op string) *problemList { return &problemList{op: op} }

// add records a problem with field.
func (p *problemList) add(field, format string, args ...any) {
	p.list = append(p.list, FieldProblem{Field: field, Problem: fmt.Sprintf(format, args...)})
}

// err is the *ValidationError for what was collected, or nil.
func (p *problemList) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Op: p.op, Problems: p.list}
}

// invalid is a *ValidationError with a single problem.
func invalid(op, field, format string, args ...any) error {
	return &ValidationError{Op: op, Problems: []FieldProblem{{Field: field, Problem: fmt.Sprintf(format, args...)}}}
}
