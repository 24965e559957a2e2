// Package jsonschema is a small JSON Schema (draft 2020-12) validator, enough
// for the schemas Hound's outputs are checked against in tests: the OASIS
// STIX 2.1 schemas for the labels' STIX export, and Hound's own schema of
// hound.trace/v1 (trace/report/trace.schema.json). It loads a directory of schema files, resolves $ref between
// them (relative file references and #/ JSON pointers), and evaluates the
// keywords those schemas use: type, enum, const, pattern, minLength,
// maxLength, minimum, maximum, required, properties, patternProperties,
// additionalProperties, propertyNames, minProperties, items, contains,
// minItems, allOf, anyOf, oneOf, not, if/then, and format "uri". A keyword it
// does not know is an error, so that no constraint is silently skipped.
//
// Schemas and instances enter as decoded JSON (any, with json.Number or
// float64 numbers); the result is nil or an error naming the first violation
// and its JSON path.
package jsonschema

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Validator holds a directory of schemas.
type Validator struct {
	docs map[string]any // slash path relative to the directory -> schema
	res  map[string]*regexp.Regexp
}

// Load reads every *.json file under dir.
func Load(dir string) (*Validator, error) {
	v := &Validator{docs: map[string]any{}, res: map[string]*regexp.Regexp{}}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		v.docs[filepath.ToSlash(rel)] = doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Validate checks instance (decoded JSON) against the schema file at
// schemaPath (relative to the loaded directory, e.g. "common/bundle.json").
func (v *Validator) Validate(schemaPath string, instance any) error {
	s, ok := v.docs[schemaPath]
	if !ok {
		return fmt.Errorf("no schema %s", schemaPath)
	}
	return v.eval(s, schemaPath, instance, "$")
}

// annotations are keywords that do not constrain.
var annotations = map[string]bool{"$id": true, "$schema": true, "title": true, "description": true,
	"definitions": true, "$defs": true, "default": true, "examples": true, "$comment": true, "then": true, "else": true}

// priority orders keywords before the others: the type and the required
// properties first.
var priority = map[string]int{"type": 3, "required": 2, "$ref": 1}

func (v *Validator) eval(schema any, base string, inst any, at string) error {
	switch s := schema.(type) {
	case bool:
		if !s {
			return fmt.Errorf("%s: rejected by a false schema", at)
		}
		return nil
	case map[string]any:
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		// A deterministic order that reports the plainest violation first.
		sort.Slice(keys, func(i, j int) bool {
			if pi, pj := priority[keys[i]], priority[keys[j]]; pi != pj {
				return pi > pj
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			if err := v.keyword(s, k, base, inst, at); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%s: schema is a %T", at, schema)
}

func (v *Validator) keyword(s map[string]any, k, base string, inst any, at string) error {
	val := s[k]
	obj, isObj := inst.(map[string]any)
	arr, isArr := inst.([]any)
	str, isStr := inst.(string)
	num, isNum := number(inst)
	switch k {
	case "$ref":
		target, file, err := v.resolve(base, val.(string))
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		return v.eval(target, file, inst, at)
	case "type":
		return checkType(val, inst, at)
	case "enum":
		for _, e := range val.([]any) {
			if equal(e, inst) {
				return nil
			}
		}
		return fmt.Errorf("%s: %v not in enum %v", at, inst, val)
	case "const":
		if !equal(val, inst) {
			return fmt.Errorf("%s: %v is not %v", at, inst, val)
		}
	case "pattern":
		if isStr {
			re, err := v.regexp(val.(string))
			if err != nil {
				return err
			}
			if !re.MatchString(str) {
				return fmt.Errorf("%s: %q does not match %s", at, str, val)
			}
		}
	case "format":
		if f := val.(string); f == "uri" && isStr {
			if u, err := url.Parse(str); err != nil || u.Scheme == "" {
				return fmt.Errorf("%s: %q is not a URI", at, str)
			}
		}
	case "minLength", "maxLength":
		if isStr {
			n := utf8.RuneCountInString(str)
			if lim, _ := number(val); k == "minLength" && float64(n) < lim || k == "maxLength" && float64(n) > lim {
				return fmt.Errorf("%s: length %d violates %s %v", at, n, k, val)
			}
		}
	case "minimum", "maximum":
		if isNum {
			if lim, _ := number(val); k == "minimum" && num < lim || k == "maximum" && num > lim {
				return fmt.Errorf("%s: %v violates %s %v", at, num, k, lim)
			}
		}
	case "required":
		if isObj {
			for _, r := range val.([]any) {
				if _, ok := obj[r.(string)]; !ok {
					return fmt.Errorf("%s: missing required property %q", at, r)
				}
			}
		}
	case "properties":
		if isObj {
			for name, sub := range val.(map[string]any) {
				if x, ok := obj[name]; ok {
					if err := v.eval(sub, base, x, at+"."+name); err != nil {
						return err
					}
				}
			}
		}
	case "patternProperties":
		if isObj {
			for pat, sub := range val.(map[string]any) {
				re, err := v.regexp(pat)
				if err != nil {
					return err
				}
				for name, x := range obj {
					if re.MatchString(name) {
						if err := v.eval(sub, base, x, at+"."+name); err != nil {
							return err
						}
					}
				}
			}
		}
	case "additionalProperties":
		if isObj {
			for name, x := range obj {
				covered, err := v.covered(s, name)
				if err != nil {
					return err
				}
				if !covered {
					if err := v.eval(val, base, x, at+"."+name); err != nil {
						return fmt.Errorf("%s: additional property %q: %w", at, name, err)
					}
				}
			}
		}
	case "propertyNames":
		if isObj {
			for name := range obj {
				if err := v.eval(val, base, name, at+"."+name); err != nil {
					return err
				}
			}
		}
	case "minProperties":
		if lim, _ := number(val); isObj && float64(len(obj)) < lim {
			return fmt.Errorf("%s: %d properties, want at least %v", at, len(obj), lim)
		}
	case "items":
		if isArr {
			for i, x := range arr {
				if err := v.eval(val, base, x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	case "contains":
		if isArr {
			for _, x := range arr {
				if v.eval(val, base, x, at) == nil {
					return nil
				}
			}
			return fmt.Errorf("%s: no item matches contains", at)
		}
	case "minItems":
		if lim, _ := number(val); isArr && float64(len(arr)) < lim {
			return fmt.Errorf("%s: %d items, want at least %v", at, len(arr), lim)
		}
	case "allOf":
		// All must hold, so order is free: local subschemas first, which
		// in the STIX schemas hold the cheap "type" enum, then references.
		subs := val.([]any)
		for pass := 0; pass < 2; pass++ {
			for _, sub := range subs {
				m, _ := sub.(map[string]any)
				if ref := m["$ref"] != nil; ref != (pass == 1) {
					continue
				}
				if err := v.eval(sub, base, inst, at); err != nil {
					return err
				}
			}
		}
	case "anyOf":
		var errs []string
		for _, sub := range val.([]any) {
			err := v.eval(sub, base, inst, at)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("%s: matches no anyOf alternative: %s", at, strings.Join(errs, " | "))
	case "oneOf":
		matched := 0
		var errs []string
		for _, sub := range val.([]any) {
			if err := v.eval(sub, base, inst, at); err == nil {
				matched++
			} else {
				errs = append(errs, err.Error())
			}
		}
		if matched != 1 {
			return fmt.Errorf("%s: matches %d oneOf alternatives, want 1: %s", at, matched, strings.Join(errs, " | "))
		}
	case "not":
		if v.eval(val, base, inst, at) == nil {
			return fmt.Errorf("%s: matches a schema it must not (%v)", at, val)
		}
	case "if":
		branch := "else"
		if v.eval(val, base, inst, at) == nil {
			branch = "then"
		}
		if sub, ok := s[branch]; ok {
			return v.eval(sub, base, inst, at)
		}
	default:
		if !annotations[k] {
			return fmt.Errorf("%s: unsupported keyword %q", at, k)
		}
	}
	return nil
}

// covered reports whether properties or patternProperties of s apply to name.
func (v *Validator) covered(s map[string]any, name string) (bool, error) {
	if props, ok := s["properties"].(map[string]any); ok {
		if _, ok := props[name]; ok {
			return true, nil
		}
	}
	if pats, ok := s["patternProperties"].(map[string]any); ok {
		for pat := range pats {
			re, err := v.regexp(pat)
			if err != nil {
				return false, err
			}
			if re.MatchString(name) {
				return true, nil
			}
		}
	}
	return false, nil
}

// resolve finds the schema a $ref names, relative to the file base.
func (v *Validator) resolve(base, ref string) (any, string, error) {
	file, frag, _ := strings.Cut(ref, "#")
	if file == "" {
		file = base
	} else {
		file = path.Clean(path.Join(path.Dir(base), file))
	}
	doc, ok := v.docs[file]
	if !ok {
		return nil, "", fmt.Errorf("$ref %s: no schema %s", ref, file)
	}
	for _, part := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if part == "" {
			continue
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("$ref %s: %s is not an object", ref, part)
		}
		if doc, ok = m[part]; !ok {
			return nil, "", fmt.Errorf("$ref %s: no %s", ref, part)
		}
	}
	return doc, file, nil
}

func (v *Validator) regexp(pat string) (*regexp.Regexp, error) {
	if re, ok := v.res[pat]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pat, err)
	}
	v.res[pat] = re
	return re, nil
}

func checkType(want, inst any, at string) error {
	var types []string
	switch w := want.(type) {
	case string:
		types = []string{w}
	case []any:
		for _, t := range w {
			types = append(types, t.(string))
		}
	}
	for _, t := range types {
		if hasType(t, inst) {
			return nil
		}
	}
	return fmt.Errorf("%s: %T is not of type %v", at, inst, want)
}

func hasType(t string, inst any) bool {
	switch t {
	case "object":
		_, ok := inst.(map[string]any)
		return ok
	case "array":
		_, ok := inst.([]any)
		return ok
	case "string":
		_, ok := inst.(string)
		return ok
	case "boolean":
		_, ok := inst.(bool)
		return ok
	case "null":
		return inst == nil
	case "number":
		_, ok := number(inst)
		return ok
	case "integer":
		n, ok := number(inst)
		return ok && n == math.Trunc(n)
	}
	return false
}

func number(x any) (float64, bool) {
	switch n := x.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func equal(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return reflect.DeepEqual(a, b)
}
