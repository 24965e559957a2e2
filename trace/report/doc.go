// Package report renders a trace result for people and programs: the
// hound.trace/v1 JSON document DESIGN.md fixes, and a table that says
// findings first, then a summary per hop. It reads the result, labels
// through the tracer's lookup interface and asset names through Assets; it
// never reads the store itself.
package report
