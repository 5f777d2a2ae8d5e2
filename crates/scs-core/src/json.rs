//! The one parser for JSON that comes from outside: I-JSON (RFC 7493) member names.
//!
//! serde_json keeps the *last* of two members with the same name, silently. A signed document
//! with `"level": 5` first and `"level": 4` last is then read one way here and possibly another
//! way by the JCS canonicaliser of another implementation, a browser or a log reader. RFC 7493
//! §2.3 forbids duplicate names, so every decoder of credentials, trust lists, status lists and
//! signed registry requests parses with [`parse_strict`], which refuses them at any depth.
//! serde_json's own limits stay in force: nesting deeper than 128 is refused by its deserializer.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use thiserror::Error;

/// Why bytes are not acceptable JSON.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// More bytes than the caller allows.
    #[error("JSON document is larger than {max} bytes")]
    TooLarge {
        /// The caller's limit.
        max: usize,
    },
    /// Not JSON, nested deeper than 128, or a member name repeated in one object.
    #[error("{0}")]
    Invalid(String),
}

/// Parses `bytes` (at most `max_bytes`) into a [`Value`], refusing a member name repeated
/// within one object anywhere in the document, trailing content, and nesting deeper than 128.
pub fn parse_strict(bytes: &[u8], max_bytes: usize) -> Result<Value, JsonError> {
    if bytes.len() > max_bytes {
        return Err(JsonError::TooLarge { max: max_bytes });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|e| JsonError::Invalid(e.to_string()))?;
    Ok(value)
}

/// Deserializes one JSON value, refusing duplicate member names in every object inside it.
struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if object.contains_key(&name) {
                return Err(A::Error::custom(format!(
                    "duplicate member name \"{}\" (RFC 7493 I-JSON forbids it)",
                    name.escape_debug()
                )));
            }
            let value = map.next_value_seed(StrictValue)?;
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strict(text: &str) -> Result<Value, JsonError> {
        parse_strict(text.as_bytes(), 1024 * 1024)
    }

    fn refused_for_duplicate(text: &str, name: &str) {
        match strict(text) {
            Err(JsonError::Invalid(why)) => {
                assert!(
                    why.contains(&format!("duplicate member name \"{name}\"")),
                    "{why}"
                )
            }
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a":[1,-2,3.5,true,null,"x",{"b":{}}],"c":"\u00e9\ud83d\ude00","d":18446744073709551615}"#;
        assert_eq!(
            strict(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(strict(" [] ").unwrap(), json!([]));
    }

    #[test]
    fn refuses_a_duplicate_at_the_top() {
        refused_for_duplicate(r#"{"level":5,"level":4}"#, "level");
    }

    #[test]
    fn refuses_a_duplicate_nested_in_objects() {
        refused_for_duplicate(
            r#"{"credentialSubject":{"achievement":{"level":5,"x":1,"level":4}}}"#,
            "level",
        );
    }

    #[test]
    fn refuses_a_duplicate_in_an_array_of_objects() {
        refused_for_duplicate(
            r#"{"issuers":[{"id":"a"},{"id":"b","levels":[3],"id":"c"}]}"#,
            "id",
        );
    }

    #[test]
    fn refuses_names_equal_after_unescaping() {
        refused_for_duplicate(r#"{"legalName":"A","legal\u004eame":"B"}"#, "legalName");
    }

    #[test]
    fn the_same_name_in_sibling_objects_is_fine() {
        assert!(strict(r#"[{"a":1},{"a":2}]"#).is_ok());
        assert!(strict(r#"{"a":{"a":{"a":1}}}"#).is_ok());
    }

    #[test]
    fn keeps_the_nesting_and_size_bounds() {
        let deep = "[".repeat(129) + &"]".repeat(129);
        assert!(matches!(strict(&deep), Err(JsonError::Invalid(_))));
        let shallow = "[".repeat(100) + &"]".repeat(100);
        assert!(strict(&shallow).is_ok());
        assert_eq!(
            parse_strict(b"[1, 2]", 4),
            Err(JsonError::TooLarge { max: 4 })
        );
    }

    #[test]
    fn refuses_trailing_content_and_broken_json() {
        assert!(strict(r#"{"a":1} {"a":2}"#).is_err());
        assert!(strict(r#"{"a":1"#).is_err());
        assert!(strict("").is_err());
    }
}
