package mangopay

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
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
	// Field is the dotted JSON name of the field, as Mangopay spells it in
	// APIError.Errors ("AuthorId", "DebitedFunds.Amount", "Owners[0]"), so a
	// handler can report both alike; empty when the problem is with the
	// request as a whole (a nil request, nothing to update).
	Field string
	// Problem says what is wrong, in words, e.g. "must be positive".
	Problem string
}

// ValidationError lists the problems a local check found in a request; the
// request was not sent. It matches [ErrInvalidRequest] through errors.Is.
type ValidationError struct {
	// Op is the method that refused the request, e.g. "Transfers.Create";
	// for the checks every call shares, the endpoint: the path of an invalid
	// id ("/wallets/{id}"), the method and path of a call given a nil context
	// or a malformed Idempotency-Key ("POST /transfers").
	Op string
	// Problems are in field order; there is at least one.
	Problems []FieldProblem

	// also is a second sentinel the error matches besides ErrInvalidRequest
	// (ErrInvalidID for an id refused while building a path), or nil.
	also error
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

// Is reports whether target is [ErrInvalidRequest], or [ErrInvalidID] for
// an id that is empty or could change the request's path.
func (e *ValidationError) Is(target error) bool {
	return target == ErrInvalidRequest || (e.also != nil && target == e.also)
}

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

// nilRequest is the *ValidationError of a method given a nil request.
func nilRequest(op, typ string) error { return invalid(op, "", "nil *%s", typ) }

// required records field as missing when v is empty or blank, and reports
// whether it was set.
func (p *problemList) required(field, v string) bool {
	if strings.TrimSpace(v) == "" {
		p.add(field, "is required")
		return false
	}
	return true
}

// text records a problem when s is longer than maxTextLength characters.
func (p *problemList) text(field, s string) {
	if n := utf8.RuneCountInString(s); n > maxTextLength {
		p.add(field, "is %d characters long, at most %d", n, maxTextLength)
	}
}

// currency records a problem when c is not an ISO 4217 code.
func (p *problemList) currency(field, c string) {
	if c == "" {
		p.add(field, "is required (an ISO 4217 code such as \"EUR\")")
		return
	}
	if !isLetterCode(c, 3) {
		p.add(field, "%q is not an ISO 4217 code such as \"EUR\"", truncate(c, 20))
	}
}

// feesCurrency records a problem when fees is not in debited's currency (a
// zero Fees included: Mangopay requires Fees, in the same currency).
func (p *problemList) feesCurrency(debited, fees Money) {
	if fees.Currency != debited.Currency {
		p.add("Fees.Currency", "%q differs from DebitedFunds.Currency %q (Fees is required: use Money{Currency: %q} for no fee)",
			truncate(fees.Currency, 20), truncate(debited.Currency, 20), truncate(debited.Currency, 20))
	}
}

// scaContext records a problem when s is not a documented ScaContext.
func (p *problemList) scaContext(field string, s ScaContext) {
	if !s.Valid() {
		p.add(field, "%q is invalid: want %q, %q or empty", truncate(string(s), 40), ScaUserPresent, ScaUserNotPresent)
	}
}

// isLetterCode reports whether v is n upper-case ASCII letters, the shape of
// an ISO 4217 currency (n = 3) and an ISO 3166-1 alpha-2 country (n = 2). It
// is the one code check of the package: wallets, transfers and recipients use it.
func isLetterCode(v string, n int) bool {
	if len(v) != n {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 'A' || v[i] > 'Z' {
			return false
		}
	}
	return true
}
