package mangopay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// EndUserDisplay says whether a schema field is meant to be shown to the end
// user in a form ("Show") or filled by the platform ("Hide").
type EndUserDisplay string

// EndUserDisplay values.
const (
	EndUserDisplayShow EndUserDisplay = "Show"
	EndUserDisplayHide EndUserDisplay = "Hide"
)

// SchemaField holds the constraints of one value of a recipient, as
// Mangopay's schema states them. Zero MaxLength and MinLength mean no limit;
// an empty Pattern or AllowedValues means no constraint.
type SchemaField struct {
	// Required tells whether the value must be sent.
	Required bool `json:"Required"`
	// MaxLength is the longest allowed value in characters; 0 means no limit.
	MaxLength int `json:"MaxLength,omitempty"`
	// MinLength is the shortest allowed value in characters; 0 means no limit.
	MinLength int `json:"MinLength,omitempty"`
	// Pattern is the regular expression a value must match, as Mangopay
	// wrote it (it may use syntax Go's regexp lacks; see RecipientSchema.Check).
	Pattern string `json:"Pattern,omitempty"`
	// Label is Mangopay's human-readable name of the value, for a form.
	Label string `json:"Label,omitempty"`
	// EndUserDisplay is Show or Hide (see Hidden).
	EndUserDisplay EndUserDisplay `json:"EndUserDisplay,omitempty"`
	// AllowedValues lists the only values accepted; empty means any value.
	AllowedValues []string `json:"AllowedValues,omitempty"`
}

// Hidden reports whether the field should not be shown to the end user
// (EndUserDisplay "Hide").
func (f *SchemaField) Hidden() bool {
	return f != nil && strings.EqualFold(string(f.EndUserDisplay), string(EndUserDisplayHide))
}

// SchemaNode is one entry of a RecipientSchema: either a field (a leaf, such
// as LocalBankTransfer.GBP.SortCode) or a group of named children (such as
// IndividualRecipient or LocalBankTransfer.GBP).
type SchemaNode struct {
	// Name is the entry's JSON key, e.g. "SortCode".
	Name string
	// Path is the dotted JSON path from the top, e.g. "LocalBankTransfer.GBP.SortCode".
	Path string
	// Field holds the constraints of a leaf. A group normally has none; if
	// Mangopay states constraints for the group itself (say an optional
	// Address), they are here too.
	Field *SchemaField
	// Children are a group's entries in the order Mangopay sent them.
	Children []*SchemaNode
}

// IsLeaf reports whether n is a field rather than a group.
func (n *SchemaNode) IsLeaf() bool { return n != nil && n.Field != nil && len(n.Children) == 0 }

// Child returns the child called name, or nil.
func (n *SchemaNode) Child(name string) *SchemaNode {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c != nil && c.Name == name {
			return c
		}
	}
	return nil
}

// RecipientSchema is the data requirements of a recipient for one payout
// method, recipient type, currency and country (RecipientsService.Schema).
// It mirrors the request's shape as a tree: Walk it to render a form,
// Fields lists its leaves by dotted path, and Check tests a draft against it
// locally. It decodes from and encodes to Mangopay's JSON, keeping the
// document order, so it can be cached. Use it through a pointer; it is safe
// for concurrent use once decoded.
type RecipientSchema struct {
	// Nodes are the top-level entries in the order Mangopay sent them.
	Nodes []*SchemaNode

	patterns sync.Map // Pattern -> *schemaPattern, compiled on first use
}

// Walk calls fn for every node, depth first in document order, a group
// before its children; depth is 0 at the top. When fn returns false for a
// group, its children are skipped.
func (s *RecipientSchema) Walk(fn func(n *SchemaNode, depth int) bool) {
	if s == nil {
		return
	}
	var walk func(nodes []*SchemaNode, depth int)
	walk = func(nodes []*SchemaNode, depth int) {
		for _, n := range nodes {
			if n == nil {
				continue
			}
			if fn(n, depth) && len(n.Children) > 0 {
				walk(n.Children, depth+1)
			}
		}
	}
	walk(s.Nodes, 0)
}

// Fields returns the leaves in document order; their Path is the dotted
// JSON path, e.g. "LocalBankTransfer.GBP.AccountNumber".
func (s *RecipientSchema) Fields() []*SchemaNode {
	var out []*SchemaNode
	s.Walk(func(n *SchemaNode, _ int) bool {
		if n.IsLeaf() {
			out = append(out, n)
		}
		return true
	})
	return out
}

// Lookup returns the node at a dotted path such as
// "IndividualRecipient.Address.City", or nil.
func (s *RecipientSchema) Lookup(path string) *SchemaNode {
	var found *SchemaNode
	s.Walk(func(n *SchemaNode, _ int) bool {
		if found != nil {
			return false
		}
		if n.Path == path {
			found = n
			return false
		}
		return true
	})
	return found
}

// maxSchemaDepth bounds the nesting of a schema (Mangopay's is 4 deep).
const maxSchemaDepth = 32

// schemaLeafKeys are the attributes of a field.
var schemaLeafKeys = [...]string{"Required", "MaxLength", "MinLength", "Pattern", "Label", "EndUserDisplay", "AllowedValues"}

func isSchemaLeafKey(k string) bool {
	for _, l := range schemaLeafKeys {
		if strings.EqualFold(k, l) {
			return true
		}
	}
	return false
}

// UnmarshalJSON decodes Mangopay's schema. An object whose members are all
// objects is a group; an object with field attributes (Required, MaxLength,
// Pattern ...) is a field. Document order is kept; a repeated key replaces
// the earlier one in place; a null member is an absent entry.
func (s *RecipientSchema) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) == 4 && string(t) == "null" {
		return nil
	}
	nodes, field, err := decodeSchemaObject(b, "", 0)
	if err != nil {
		return err
	}
	if field != nil && len(nodes) == 0 {
		return errors.New("mangopay: recipient schema: the top level is a single field, not an object of fields")
	}
	s.Nodes = nodes
	s.patterns.Clear()
	return nil
}

// decodeSchemaObject decodes the JSON object raw found at path: its object
// members become child nodes, its other members the node's own field.
func decodeSchemaObject(raw []byte, path string, depth int) ([]*SchemaNode, *SchemaField, error) {
	where := "at the top"
	if path != "" {
		where = "at " + truncate(path, 200)
	}
	if depth > maxSchemaDepth {
		return nil, nil, fmt.Errorf("mangopay: recipient schema %s: nested deeper than %d levels", where, maxSchemaDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, fmt.Errorf("mangopay: recipient schema %s: %w", where, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("mangopay: recipient schema %s: want an object, got %s", where, truncate(fmt.Sprint(tok), 40))
	}
	type member struct {
		key string
		val json.RawMessage
	}
	var children, attrs []member
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("mangopay: recipient schema %s: %w", where, err)
		}
		key, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("mangopay: recipient schema %s: %w", where, err)
		}
		switch {
		case v[0] == '{':
			children = append(children, member{key, v})
		case v[0] != 'n' || isSchemaLeafKey(key):
			attrs = append(attrs, member{key, v})
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("mangopay: recipient schema %s: %w", where, err)
	}

	var field *SchemaField
	if len(attrs) > 0 {
		var obj bytes.Buffer
		obj.WriteByte('{')
		for i, a := range attrs {
			if i > 0 {
				obj.WriteByte(',')
			}
			k, _ := json.Marshal(a.key)
			obj.Write(k)
			obj.WriteByte(':')
			obj.Write(a.val)
		}
		obj.WriteByte('}')
		field = new(SchemaField)
		if err := json.Unmarshal(obj.Bytes(), field); err != nil {
			return nil, nil, fmt.Errorf("mangopay: recipient schema field %s: %w", where, err)
		}
	}

	var nodes []*SchemaNode
	index := make(map[string]int, len(children))
	for _, c := range children {
		p := c.key
		if depth > 0 {
			p = path + "." + c.key
		}
		kids, f, err := decodeSchemaObject(c.val, p, depth+1)
		if err != nil {
			return nil, nil, err
		}
		n := &SchemaNode{Name: c.key, Path: p, Field: f, Children: kids}
		if i, dup := index[c.key]; dup {
			nodes[i] = n
			continue
		}
		index[c.key] = len(nodes)
		nodes = append(nodes, n)
	}
	return nodes, field, nil
}

// MarshalJSON encodes the schema in Mangopay's shape, in document order.
func (s *RecipientSchema) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeSchemaNodes(&b, nil, s.Nodes); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeSchemaNodes writes an object holding field's attributes and nodes.
func writeSchemaNodes(b *bytes.Buffer, field *SchemaField, nodes []*SchemaNode) error {
	b.WriteByte('{')
	first := true
	if field != nil {
		f, err := json.Marshal(field)
		if err != nil {
			return err
		}
		b.Write(f[1 : len(f)-1]) // the attributes without their braces; Required is always there
		first = false
	}
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		k, err := json.Marshal(n.Name)
		if err != nil {
			return err
		}
		b.Write(k)
		b.WriteByte(':')
		if len(n.Children) == 0 && n.Field != nil {
			f, err := json.Marshal(n.Field)
			if err != nil {
				return err
			}
			b.Write(f)
			continue
		}
		if err := writeSchemaNodes(b, n.Field, n.Children); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// schemaPattern is a compiled Pattern, or why it could not be compiled.
type schemaPattern struct {
	re  *regexp.Regexp
	err error
}

// pattern compiles p once per schema.
func (s *RecipientSchema) pattern(p string) (*regexp.Regexp, error) {
	if v, ok := s.patterns.Load(p); ok {
		sp := v.(*schemaPattern)
		return sp.re, sp.err
	}
	re, err := compileSchemaPattern(p)
	v, _ := s.patterns.LoadOrStore(p, &schemaPattern{re: re, err: err})
	sp := v.(*schemaPattern)
	return sp.re, sp.err
}

// forbiddenCharsPattern matches the one lookahead form Mangopay's schemas
// use, ^(?!.*[CHARS]).{m,n}$ ("no forbidden characters, m to n long"), which
// Go's RE2 syntax cannot express directly.
var forbiddenCharsPattern = regexp.MustCompile(`^\^\(\?!\.\*\[([^\]^\\][^\]\\]*)\]\)\.(\{[0-9]+(?:,[0-9]*)?\}|\*|\+)\$$`)

// compileSchemaPattern compiles a schema Pattern with Go's regexp. The
// forbidden-characters lookahead is rewritten to the equivalent
// ^[^CHARS\n]{m,n}$; any other syntax Go lacks is an error.
func compileSchemaPattern(p string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(p)
	if err == nil {
		return re, nil
	}
	if m := forbiddenCharsPattern.FindStringSubmatch(p); m != nil {
		if re, err2 := regexp.Compile(`^[^` + m[1] + `\n]` + m[2] + `$`); err2 == nil {
			return re, nil
		}
	}
	return nil, err
}

// Check tests a recipient draft against the schema locally, before Validate
// or Create: every required field present, lengths within MinLength and
// MaxLength (in characters), values among AllowedValues, and values matching
// Pattern (compiled with Go's regexp, once per schema). It returns nil or a
// *RecipientCheckError listing every problem by dotted path with Mangopay's
// codes (REQUIRED, LENGTH_MORE_THAN_MAX, LENGTH_LESS_THAN_MIN, INVALID_FORMAT,
// NOT_IN_ALLOWED_VALUES). A Pattern Go cannot compile is reported as
// RecipientErrorPatternUnsupported for that field (only when a value is
// present), never a panic: leave such values to Validate. Values the schema
// does not describe (ScaContext, say) are not checked.
func (s *RecipientSchema) Check(req *CreateRecipientRequest) error {
	if req == nil {
		return nilRequest("RecipientSchema.Check", "CreateRecipientRequest")
	}
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("mangopay: RecipientSchema.Check: %w", err)
	}
	var draft map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&draft); err != nil {
		return fmt.Errorf("mangopay: RecipientSchema.Check: %w", err)
	}
	return s.CheckMap(draft)
}

// CheckMap is Check for a draft held as nested maps (for example decoded
// from a form or JSON): draft["LocalBankTransfer"].(map[string]any)["GBP"]...
// Keys are matched exactly, then case-insensitively. Leaf values may be
// strings, numbers or booleans.
func (s *RecipientSchema) CheckMap(draft map[string]any) error {
	if s == nil {
		return nilRequest("RecipientSchema.Check", "RecipientSchema")
	}
	var p recipientProblems
	s.checkNodes(s.Nodes, draft, &p)
	return p.err("RecipientSchema.Check")
}

// checkNodes checks the entries of one group against obj (nil when absent).
func (s *RecipientSchema) checkNodes(nodes []*SchemaNode, obj map[string]any, p *recipientProblems) {
	for _, n := range nodes {
		if n == nil {
			continue
		}
		v, present := draftValue(obj, n.Name)
		if n.IsLeaf() {
			s.checkField(n, v, present, p)
			continue
		}
		sub, isObj := v.(map[string]any)
		if present && v != nil && !isObj {
			p.add(n.Path, RecipientErrorInvalidFormat, "must be an object")
			continue
		}
		if len(sub) == 0 && n.Field != nil {
			if n.Field.Required {
				p.add(n.Path, RecipientErrorRequired, "missing")
			}
			continue // an absent group with its own constraints: nothing more to say
		}
		s.checkNodes(n.Children, sub, p)
	}
}

// draftValue finds key in obj, exactly or else case-insensitively.
func draftValue(obj map[string]any, key string) (any, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// checkField checks one leaf value.
func (s *RecipientSchema) checkField(n *SchemaNode, v any, present bool, p *recipientProblems) {
	f := n.Field
	var str string
	switch x := v.(type) {
	case nil:
	case string:
		str = x
	case json.Number:
		str = x.String()
	case float64:
		str = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		str = strconv.FormatBool(x)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32:
		str = fmt.Sprint(x)
	default:
		p.add(n.Path, RecipientErrorInvalidFormat, "must be a single value, not %T", v)
		return
	}
	if str == "" {
		if f.Required {
			detail := "missing"
			if present {
				detail = "empty"
			}
			p.add(n.Path, RecipientErrorRequired, "%s", detail)
		}
		return
	}
	if l := utf8.RuneCountInString(str); f.MaxLength > 0 && l > f.MaxLength {
		p.add(n.Path, RecipientErrorLengthMoreThanMax, "%d characters, at most %d", l, f.MaxLength)
	} else if f.MinLength > 0 && l < f.MinLength {
		p.add(n.Path, RecipientErrorLengthLessThanMin, "%d characters, at least %d", l, f.MinLength)
	}
	if len(f.AllowedValues) > 0 && !slices.Contains(f.AllowedValues, str) {
		p.add(n.Path, RecipientErrorNotInAllowedValues, "%q is not one of %s", truncate(str, 40), strings.Join(f.AllowedValues, ", "))
	}
	if f.Pattern == "" {
		return
	}
	re, err := s.pattern(f.Pattern)
	switch {
	case err != nil:
		p.add(n.Path, RecipientErrorPatternUnsupported, "pattern %q cannot be compiled by Go's regexp: %v", truncate(f.Pattern, 80), errors.Unwrap(err))
	case !re.MatchString(str):
		p.add(n.Path, RecipientErrorInvalidFormat, "does not match %s", truncate(f.Pattern, 80))
	}
}
