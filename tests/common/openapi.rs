//! The OpenAPI document as a test oracle: real responses are checked against the schemas the
//! document gives them (a JSON Schema 2020-12 subset validator).

use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Response conformance: real responses against the OpenAPI document's schemas
// ---------------------------------------------------------------------------------------------

/// Asserts that `body`, the `status` response of operation `op_id`, matches the schema the
/// document gives it (a JSON Schema 2020-12 subset validator: $ref, type, properties, required,
/// additionalProperties, items, enum, const, oneOf/anyOf/allOf, minimum).
pub fn conforms(op_id: &str, status: u16, body: &Value) {
    let doc = zjtx::api::openapi::document_value();
    let op = operation(doc, op_id);
    let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{op_id} {status} has no JSON schema");
    assert!(
        schema.get("$ref").is_some(),
        "{op_id} {status} is described as any JSON: {schema}"
    );
    let mut errors = Vec::new();
    check(doc, schema, body, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{op_id} {status} does not match its schema:\n{}\n{body:#}",
        errors.join("\n")
    );
}

pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unsupported $ref {r}"));
            let s = &doc["components"]["schemas"][name];
            assert!(s.is_object(), "dangling $ref {r}");
            resolve(doc, s)
        }
        None => schema,
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

pub fn check(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let s = resolve(doc, schema);
    if s == &Value::Bool(true) {
        return;
    }
    let mut err = |m: String| errors.push(format!("{at}: {m}"));
    match s.get("type") {
        Some(Value::String(t)) if !type_matches(t, v) => {
            return err(format!("expected {t}, got {v}"));
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_matches(t.as_str().unwrap(), v)) => {
            return err(format!("expected one of {ts:?}, got {v}"));
        }
        _ => {}
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        err(format!("{v} is not one of {e:?}"));
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        err(format!("{v} is not {c}"));
    }
    if let (Some(min), Some(x)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64())
        && x < min
    {
        err(format!("{x} < minimum {min}"));
    }
    for all in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(doc, all, v, at, errors);
    }
    for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let ok = alts
                .iter()
                .filter(|a| {
                    let mut e = Vec::new();
                    check(doc, a, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if ok == 0 || (exactly_one && ok > 1) {
                errors.push(format!("{at}: {ok} of the {key} alternatives match {v}"));
            }
        }
    }
    if let Some(obj) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap();
            if !obj.contains_key(r) {
                errors.push(format!("{at}: missing required {r}"));
            }
        }
        for (k, x) in obj {
            let here = format!("{at}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(p) => check(doc, p, x, &here, errors),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{here}: not described")),
                    Some(a @ Value::Object(_)) => check(doc, a, x, &here, errors),
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check(doc, items, x, &format!("{at}[{i}]"), errors);
        }
    }
}

/// Asserts that `body`, a `status` problem answered by operation `op_id`, is a status the
/// document lists for it, as `application/problem+json` of the `Problem` schema, and matches it.
pub fn conforms_problem(op_id: &str, status: u16, body: &Value) {
    let doc = zjtx::api::openapi::document_value();
    let op = operation(doc, op_id);
    let schema =
        &op["responses"][status.to_string()]["content"]["application/problem+json"]["schema"];
    assert!(
        schema.is_object(),
        "{op_id} does not list {status} as a problem: {}",
        op["responses"]
    );
    let mut errors = Vec::new();
    check(doc, schema, body, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{op_id} {status} problem does not match its schema:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// The operation object of `op_id`.
pub fn operation<'a>(doc: &'a Value, op_id: &str) -> &'a Value {
    doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|p| p.as_object().unwrap().values())
        .find(|o| o["operationId"] == op_id)
        .unwrap_or_else(|| panic!("no operation {op_id}"))
}
