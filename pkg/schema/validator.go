package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/api/operation"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	openapierrors "k8s.io/kube-openapi/pkg/validation/errors"
	"k8s.io/kube-openapi/pkg/validation/validate"

	"github.com/fleetctl/fleetctl/pkg/apijson"
)

// FieldError is one validation error, as the API server would report it.
type FieldError struct {
	// Path is the field path the server prints, e.g. "spec.replicas" or
	// "spec.resources[0].spec.vmSize"; empty for the object as a whole.
	Path string
	// Type classifies the error: "unknown-field", "required", "type", "format", "enum", "pattern",
	// "range" (minimum, maximum, multipleOf), "length" (minLength, maxLength), "items" (minItems,
	// maxItems), "properties" (minProperties, maxProperties), "unique", "duplicate" (list-type
	// set/map keys), "cel" (an x-kubernetes-validations rule), "cel-skipped" (rules not run
	// because of earlier errors, as the server does), "forbidden", "invalid" (any other invalid
	// value, e.g. a metadata.name that is not a DNS subdomain), "internal" (the server's internal
	// error), "schema" (the CRD schema itself could not be used). Where the server skips the CEL
	// rules because of earlier errors (a missing required field, an unsupported enum value, a wrong
	// type or format, too long, too many items), a "cel-skipped" error with an empty Path says so.
	Type string
	// Message is the server's text without the path, e.g.
	// `Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
	Message string
	// Value is the offending value as text (strings as is, other values as JSON); empty when the
	// server reports none.
	Value string
}

// Error formats the error as the API server does: "path: message".
func (e FieldError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Validator validates objects of one served group/version/kind. Its compiled form is built on
// first use and then shared read-only; Validate is safe for concurrent use.
type Validator struct {
	gvk        k8sschema.GroupVersionKind
	namespaced bool
	served     bool
	storage    bool
	deprecated bool
	depWarning *string
	raw        json.RawMessage

	once     sync.Once
	buildErr error
	compiled *compiled
}

// compiled is what the API server builds for a CRD version when it starts serving it.
type compiled struct {
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaValidator
	cel        *cel.Validator // nil when the schema has no x-kubernetes-validations
}

func newValidator(e *kindEntry, version string, served, storage, deprecated bool, warning *string, raw json.RawMessage) *Validator {
	return &Validator{
		gvk:        k8sschema.GroupVersionKind{Group: e.group, Version: version, Kind: e.kind},
		namespaced: e.namespaced,
		served:     served, storage: storage, deprecated: deprecated, depWarning: warning,
		raw: raw,
	}
}

// APIVersion returns the group/version the validator is for.
func (v *Validator) APIVersion() string { return v.gvk.GroupVersion().String() }

// Kind returns the kind the validator is for.
func (v *Validator) Kind() string { return v.gvk.Kind }

// Namespaced reports whether the kind is namespace-scoped.
func (v *Validator) Namespaced() bool { return v.namespaced }

// warning is the API server's deprecation warning for the version, or "".
func (v *Validator) warning() string {
	if !v.deprecated {
		return ""
	}
	if v.depWarning != nil {
		return *v.depWarning
	}
	return fmt.Sprintf("%s %s is deprecated", v.APIVersion(), v.gvk.Kind)
}

// Prepare builds the validator now instead of on first Validate (schema conversion, OpenAPI
// validator and CEL compilation) and returns the error that makes the schema unusable, if any.
func (v *Validator) Prepare() error {
	v.once.Do(func() { v.compiled, v.buildErr = build(v.raw) })
	return v.buildErr
}

// checkStructural converts a v1 schema and checks it is structural, as the API server does when
// a CRD is created.
func checkStructural(raw json.RawMessage) error {
	internal, err := toInternal(raw)
	if err != nil {
		return err
	}
	s, err := structuralschema.NewStructural(internal)
	if err != nil {
		return err
	}
	if errs := structuralschema.ValidateStructural(nil, s); len(errs) > 0 {
		return fmt.Errorf("schema is not structural: %w", errs.ToAggregate())
	}
	return nil
}

func toInternal(raw json.RawMessage) (*apiextensions.JSONSchemaProps, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v1 := &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{}}
	if err := json.Unmarshal(raw, v1.OpenAPIV3Schema); err != nil {
		return nil, fmt.Errorf("decoding schema: %w", err)
	}
	internal := &apiextensions.CustomResourceValidation{}
	if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v1, internal, nil); err != nil {
		return nil, fmt.Errorf("converting schema: %w", err)
	}
	return internal.OpenAPIV3Schema, nil
}

// build mirrors the apiextensions-apiserver's crdHandler.getOrCreateServingInfoFor and
// customresource.NewStrategy for one version.
func build(raw json.RawMessage) (*compiled, error) {
	internal, err := toInternal(raw)
	if err != nil {
		return nil, err
	}
	var s *structuralschema.Structural
	if internal != nil {
		if s, err = structuralschema.NewStructural(internal); err != nil {
			return nil, fmt.Errorf("schema is not structural: %w", err)
		}
		s = s.DeepCopy()
		if err := structuraldefaulting.PruneDefaults(s); err != nil {
			return nil, fmt.Errorf("pruning defaults: %w", err)
		}
	}
	sv, _, err := apiservervalidation.NewSchemaValidator(internal)
	if err != nil {
		return nil, err
	}
	c := &compiled{structural: s, schema: sv}
	if s != nil {
		c.cel = cel.NewValidator(s, true, celconfig.PerCallLimit)
	}
	return c, nil
}

// Validate checks obj (a decoded YAML or JSON object; it is not modified) as the API server
// checks a create with strict field validation, and returns every error sorted by path, type and
// message. Unknown fields are reported together with the validation errors (the server stops at
// them). The object's apiVersion and kind must be the validator's.
func (v *Validator) Validate(obj map[string]any) []FieldError {
	if err := v.Prepare(); err != nil {
		return []FieldError{{Type: "schema", Message: fmt.Sprintf("the schema of %s %s cannot be used: %v", v.APIVersion(), v.gvk.Kind, err)}}
	}
	c := v.compiled

	// The server decodes the request body with its JSON decoder: a deep copy with integers as
	// int64 and other numbers as float64, exactly what the validators and CEL expect.
	u, err := normalize(obj)
	if err != nil {
		return []FieldError{{Type: "type", Message: err.Error()}}
	}

	// customResourceValidator.ValidateTypeMeta: the server stops when these fail.
	var typeErrs field.ErrorList
	if kind, _ := u["kind"].(string); kind != v.gvk.Kind {
		typeErrs = append(typeErrs, field.Invalid(field.NewPath("kind"), u["kind"], fmt.Sprintf("must be %v", v.gvk.Kind)))
	}
	if av, _ := u["apiVersion"].(string); av != v.APIVersion() {
		typeErrs = append(typeErrs, field.Invalid(field.NewPath("apiVersion"), u["apiVersion"], fmt.Sprintf("must be %v", v.APIVersion())))
	}
	if len(typeErrs) > 0 {
		return convert(typeErrs, nil)
	}

	// Strict decoding (unstructuredSchemaCoercer.apply with returnUnknownFieldPaths): unknown
	// metadata fields, pruning, non-nullable nulls, embedded ObjectMeta coercion.
	var out []FieldError
	meta, foundMeta, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(u, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return []FieldError{{Path: "metadata", Type: "type", Message: err.Error()}}
	}
	unknown = append(unknown, structuralpruning.PruneWithOptions(u, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u, c.structural)
	ferr, embeddedUnknown := schemaobjectmeta.CoerceWithOptions(nil, u, c.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
	unknown = append(unknown, embeddedUnknown...)
	for _, p := range unknown {
		out = append(out, FieldError{Path: p, Type: "unknown-field", Message: fmt.Sprintf("unknown field %q", p)})
	}
	if ferr != nil {
		return sortErrors(append(out, convert(field.ErrorList{ferr}, nil)...))
	}

	// rest.BeforeCreate: a cluster-scoped object's namespace is cleared; a generateName becomes
	// a name.
	if foundMeta {
		if !v.namespaced {
			meta.Namespace = ""
		}
		if meta.Name == "" && meta.GenerateName != "" {
			meta.Name = generateName(meta.GenerateName)
		}
		if err := schemaobjectmeta.SetObjectMeta(u, meta); err != nil {
			return sortErrors(append(out, FieldError{Path: "metadata", Type: "type", Message: err.Error()}))
		}
	}

	// Defaulting happens while decoding, before the strategy runs.
	structuraldefaulting.Default(u, c.structural)

	// customResourceStrategy.PrepareForCreate: every bundled CRD has the status subresource, so a
	// create drops status.
	delete(u, "status")

	// customResourceStrategy.Validate.
	ctx := context.Background()
	var errs field.ErrorList
	var codes []openapiCode
	errs = append(errs, v.validateObjectMeta(ctx, meta)...)
	capture := &capturingValidator{inner: c.schema}
	schemaErrs := apiservervalidation.ValidateCustomResource(nil, u, capture)
	codes = make([]openapiCode, len(errs), len(errs)+len(schemaErrs))
	codes = append(codes, capture.codes(len(schemaErrs))...)
	errs = append(errs, schemaErrs...)
	errs = append(errs, schemaobjectmeta.Validate(ctx, nil, u, c.structural, false)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, c.structural, u)...)
	var celErrs field.ErrorList
	celSkipped := false
	if c.cel != nil {
		if blockingErrors(errs) {
			celSkipped = true
		} else {
			celErrs, _ = c.cel.Validate(ctx, nil, c.structural, u, nil, celconfig.RuntimeCELCostBudget)
		}
	}
	out = append(out, convert(errs, codes)...)
	for _, e := range celErrs {
		fe := toFieldError(e, "cel")
		fe.Value = "" // the server reports the schema type ("object") as the value of a rule failure
		out = append(out, fe)
	}
	if celSkipped {
		// The server's own words (customresource.hasBlockingErr).
		out = append(out, toFieldError(field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"), "cel-skipped"))
	}
	return sortErrors(out)
}

// validateObjectMeta is customResourceValidator.validateObjectMetaDeclaratively for a create.
// The request's namespace is not known offline: a namespaced object without one is checked as if
// kubectl or Flux had filled it in.
func (v *Validator) validateObjectMeta(ctx context.Context, meta *metav1.ObjectMeta) field.ErrorList {
	m := &metav1.ObjectMeta{}
	if meta != nil {
		m = meta.DeepCopy()
	}
	if v.namespaced && m.Namespace == "" {
		m.Namespace = metav1.NamespaceDefault
	}
	return metavalidation.ValidateObjectMetaDeclaratively(ctx, operation.Create, m, nil, v.namespaced,
		metavalidation.NameIsDNSSubdomain, field.NewPath("metadata"),
		utilfeature.DefaultFeatureGate.Enabled(features.DeclarativeValidationBeta))
}

// generateName mimics the server's name generator (prefix, at most 58 characters, plus 5
// characters) with a fixed suffix so results are deterministic.
func generateName(base string) string {
	const maxBase = 63 - 5
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	return base + "xxxxx"
}

// blockingErrors is customresource.hasBlockingErr: with these, the server skips CEL rules.
func blockingErrors(errs field.ErrorList) bool {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}

func normalize(obj map[string]any) (map[string]any, error) {
	u, err := apijson.Normalize(obj)
	if err != nil {
		return nil, fmt.Errorf("object cannot be encoded as JSON: %w", err)
	}
	return u, nil
}

// openapiCode is the kube-openapi error behind a schema error, for classification; zero when the
// error does not come from the OpenAPI validator.
type openapiCode struct {
	code    int32
	message string
	set     bool
}

// capturingValidator keeps the kube-openapi result so each field.Error that
// ValidateCustomResource derives from it (one per result error, in order) can be classified.
type capturingValidator struct {
	inner  apiservervalidation.SchemaCreateValidator
	result *validate.Result
}

func (c *capturingValidator) Validate(value any, options ...apiservervalidation.ValidationOption) *validate.Result {
	c.result = c.inner.Validate(value, options...)
	return c.result
}

func (c *capturingValidator) codes(n int) []openapiCode {
	out := make([]openapiCode, n)
	if c.result == nil || len(c.result.Errors) != n {
		return out // no one-to-one mapping: classify by field error type alone
	}
	for i, e := range c.result.Errors {
		if ve, ok := e.(*openapierrors.Validation); ok {
			out[i] = openapiCode{code: ve.Code(), message: ve.Error(), set: true}
		} else if e != nil {
			out[i] = openapiCode{message: e.Error(), set: true}
		}
	}
	return out
}

func convert(errs field.ErrorList, codes []openapiCode) []FieldError {
	out := make([]FieldError, 0, len(errs))
	for i, e := range errs {
		typ := ""
		if i < len(codes) && codes[i].set {
			typ = classifyOpenAPI(codes[i])
		}
		if typ == "" {
			typ = classifyField(e.Type)
		}
		fe := toFieldError(e, typ)
		if fe.Path == "" && i < len(codes) && codes[i].set && codes[i].code == 0 {
			// The server reports these plain kube-openapi errors at the root ("<nil>"); the
			// field is named only at the end of the message. Use it, so the error points at
			// the field.
			if j := strings.LastIndex(codes[i].message, " in "); j >= 0 {
				fe.Path = codes[i].message[j+len(" in "):]
			}
		}
		out = append(out, fe)
	}
	return out
}

func toFieldError(e *field.Error, typ string) FieldError {
	p := e.Field
	if p == "<nil>" {
		p = ""
	}
	return FieldError{Path: p, Type: typ, Message: e.ErrorBody(), Value: valueString(e)}
}

func classifyOpenAPI(c openapiCode) string {
	switch c.code {
	case openapierrors.RequiredFailCode:
		return "required"
	case openapierrors.EnumFailCode:
		return "enum"
	case openapierrors.PatternFailCode:
		return "pattern"
	case openapierrors.MaxFailCode, openapierrors.MinFailCode, openapierrors.MultipleOfFailCode:
		return "range"
	case openapierrors.TooLongFailCode, openapierrors.TooShortFailCode:
		return "length"
	case openapierrors.MaxItemsFailCode, openapierrors.MinItemsFailCode:
		return "items"
	case openapierrors.TooManyPropertiesCode, openapierrors.TooFewPropertiesCode:
		return "properties"
	case openapierrors.UniqueFailCode:
		return "unique"
	case 0:
		// A plain error: kube-openapi's numeric range check for a format, e.g. "Checked value must
		// be of type integer with format int32 in spec.replicas".
		if strings.Contains(c.message, " with format ") || strings.Contains(c.message, "(default format)") {
			return "format"
		}
		return ""
	case openapierrors.InvalidTypeCode:
		// The same code serves JSON types and formats: "... must be of type <name>".
		name := c.message
		if i := strings.LastIndex(name, " must be of type "); i >= 0 {
			name = name[i+len(" must be of type "):]
		}
		if i := strings.IndexAny(name, ":,"); i >= 0 {
			name = name[:i]
		}
		switch strings.TrimSpace(name) {
		case "string", "integer", "number", "boolean", "object", "array", "null":
			return "type"
		}
		return "format"
	}
	return ""
}

func classifyField(t field.ErrorType) string {
	switch t {
	case field.ErrorTypeRequired:
		return "required"
	case field.ErrorTypeNotSupported:
		return "enum"
	case field.ErrorTypeTypeInvalid:
		return "type"
	case field.ErrorTypeDuplicate:
		return "duplicate"
	case field.ErrorTypeTooLong, field.ErrorTypeTooShort:
		return "length"
	case field.ErrorTypeTooMany, field.ErrorTypeTooFew:
		return "items"
	case field.ErrorTypeForbidden:
		return "forbidden"
	case field.ErrorTypeInternal:
		return "internal"
	}
	return "invalid"
}

func valueString(e *field.Error) string {
	switch e.Type {
	case field.ErrorTypeRequired, field.ErrorTypeForbidden, field.ErrorTypeTooLong, field.ErrorTypeTooShort, field.ErrorTypeInternal:
		return ""
	}
	switch v := e.BadValue.(type) {
	case nil:
		return ""
	case string:
		return v
	case field.OmitValueType:
		return ""
	}
	if b, err := json.Marshal(e.BadValue); err == nil {
		return string(b)
	}
	return fmt.Sprint(e.BadValue)
}

func sortErrors(errs []FieldError) []FieldError {
	slices.SortStableFunc(errs, func(a, b FieldError) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return slices.CompactFunc(errs, func(a, b FieldError) bool { return a == b })
}
