//! OpenAPI's `format: int32` / `format: int64` on `type: integer`, as a custom JSON Schema keyword.
//!
//! JSON Schema has no notion of integer width, and its `type: integer` accepts any number whose
//! fraction is zero, so `1.7e12` and `1700000000000.0` pass it. An OpenAPI `int64`, though, promises
//! a value that a client can read straight into a 64-bit integer, and strict clients (Go, Java, Rust)
//! refuse a float literal there. The converter therefore rewrites the format into [`KEYWORD`], which
//! this module implements.
//!
//! The check leans on how serde_json (without `arbitrary_precision`) parses numbers: an integer
//! literal that fits `i64` becomes an `i64`, one that fits `u64` becomes a `u64`, and everything else
//! (a fraction, an exponent, or an integer beyond `u64`/below `i64::MIN`) becomes an `f64`. So an
//! `f64` is never an acceptable integer literal; its value only decides which reason to report.

use jsonschema::{paths::Location, Keyword, ValidationError};
use serde_json::{Map, Value};
use std::fmt;

/// The custom keyword the converter emits in place of `format: int32`/`int64` on integers.
/// It is namespaced so a spec's own `x-*` extensions (which the converter drops) cannot collide.
pub const KEYWORD: &str = "x-mjconform-int";

/// The width an OpenAPI integer format promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntWidth {
    Int32,
    Int64,
}

impl IntWidth {
    /// The width an OpenAPI `format` value names, if it names one.
    pub fn from_format(format: &str) -> Option<IntWidth> {
        match format {
            "int32" => Some(IntWidth::Int32),
            "int64" => Some(IntWidth::Int64),
            _ => None,
        }
    }

    /// The OpenAPI format name, also the value [`KEYWORD`] carries in a converted schema.
    pub fn name(self) -> &'static str {
        match self {
            IntWidth::Int32 => "int32",
            IntWidth::Int64 => "int64",
        }
    }

    fn bounds(self) -> (i128, i128) {
        match self {
            IntWidth::Int32 => (i32::MIN.into(), i32::MAX.into()),
            IntWidth::Int64 => (i64::MIN.into(), i64::MAX.into()),
        }
    }
}

/// Why a number is not an acceptable integer literal of the width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    AboveMax,
    BelowMin,
    NotInteger,
    FloatNotation,
}

/// A number the format refuses, with what to tell the reader about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub width: IntWidth,
    pub reason: Reason,
    /// The number as serde_json renders it. The source text of a float is gone by then (`1.7e12`
    /// reads back as `1700000000000.0`), which is why the reason names the notation.
    pub literal: String,
}

impl Rejection {
    /// What the format demands, e.g. "an int64 integer literal".
    pub fn expected(&self) -> String {
        format!("an {} integer literal", self.width.name())
    }

    /// The offending number with the reason, e.g. "9223372036854775808 (above int64 max)".
    pub fn actual(&self) -> String {
        let width = self.width.name();
        let reason = match self.reason {
            Reason::AboveMax => format!("above {width} max"),
            Reason::BelowMin => format!("below {width} min"),
            Reason::NotInteger => "not an integer".to_owned(),
            Reason::FloatNotation => "float notation".to_owned(),
        };
        format!("{} ({reason})", self.literal)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, got {}", self.expected(), self.actual())
    }
}

/// Checks one instance. Anything but a number passes: rejecting it is `type`'s job, and reporting
/// it twice would only add noise.
pub fn check(width: IntWidth, instance: &Value) -> Result<(), Rejection> {
    let Value::Number(number) = instance else {
        return Ok(());
    };
    let reason = if let Some(value) = number.as_i64() {
        out_of_range(width, value.into())
    } else if let Some(value) = number.as_u64() {
        out_of_range(width, value.into())
    } else {
        Some(float_reason(width, number.as_f64().unwrap_or(f64::NAN)))
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(Rejection {
            width,
            reason,
            literal: number.to_string(),
        }),
    }
}

fn out_of_range(width: IntWidth, value: i128) -> Option<Reason> {
    let (min, max) = width.bounds();
    if value < min {
        Some(Reason::BelowMin)
    } else if value > max {
        Some(Reason::AboveMax)
    } else {
        None
    }
}

/// Every float is rejected; this only picks the most helpful reason.
fn float_reason(width: IntWidth, value: f64) -> Reason {
    if !value.is_finite() || value.fract() != 0.0 {
        return Reason::NotInteger;
    }
    let (min, max) = width.bounds();
    // `as` saturates, which is harmless: the bounds are far inside i128.
    let whole = value as i128;
    // An integer literal below i64::MIN can round up to exactly -2^63 as f64, so for int64 that
    // value is reported as out of range rather than as a float written in range.
    if whole < min || (width == IntWidth::Int64 && whole == min) {
        Reason::BelowMin
    } else if whole > max {
        Reason::AboveMax
    } else {
        Reason::FloatNotation
    }
}

/// The compiled keyword: one per schema location that carries [`KEYWORD`].
struct IntFormat {
    width: IntWidth,
}

impl<'i> Keyword<'i> for IntFormat {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        check(self.width, instance)
            .map_err(|rejection| ValidationError::custom(rejection.to_string()))
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        check(self.width, instance).is_ok()
    }
}

/// The factory to register with `jsonschema::options().with_keyword(KEYWORD, factory)`.
pub fn factory<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _location: Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    match value.as_str().and_then(IntWidth::from_format) {
        Some(width) => Ok(Box::new(IntFormat { width })),
        None => Err(ValidationError::schema(format!(
            "`{KEYWORD}` must be \"int32\" or \"int64\", not {value}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("test literal is JSON")
    }

    fn reason(width: IntWidth, text: &str) -> Option<Reason> {
        check(width, &parse(text))
            .err()
            .map(|rejection| rejection.reason)
    }

    #[test]
    fn int64_accepts_its_bounds() {
        assert_eq!(reason(IntWidth::Int64, "9223372036854775807"), None);
        assert_eq!(reason(IntWidth::Int64, "-9223372036854775808"), None);
        assert_eq!(reason(IntWidth::Int64, "0"), None);
    }

    #[test]
    fn int64_rejects_one_past_each_bound() {
        assert_eq!(
            reason(IntWidth::Int64, "9223372036854775808"),
            Some(Reason::AboveMax)
        );
        assert_eq!(
            reason(IntWidth::Int64, "-9223372036854775809"),
            Some(Reason::BelowMin)
        );
        assert_eq!(
            reason(IntWidth::Int64, "18446744073709551616"),
            Some(Reason::AboveMax)
        );
    }

    #[test]
    fn int64_rejects_floats() {
        assert_eq!(reason(IntWidth::Int64, "1.5"), Some(Reason::NotInteger));
        assert_eq!(
            reason(IntWidth::Int64, "1.7e12"),
            Some(Reason::FloatNotation)
        );
        assert_eq!(
            reason(IntWidth::Int64, "1700000000000.0"),
            Some(Reason::FloatNotation)
        );
    }

    #[test]
    fn int32_bounds() {
        assert_eq!(reason(IntWidth::Int32, "2147483647"), None);
        assert_eq!(reason(IntWidth::Int32, "-2147483648"), None);
        assert_eq!(
            reason(IntWidth::Int32, "2147483648"),
            Some(Reason::AboveMax)
        );
        assert_eq!(
            reason(IntWidth::Int32, "-2147483649"),
            Some(Reason::BelowMin)
        );
        assert_eq!(reason(IntWidth::Int32, "1e3"), Some(Reason::FloatNotation));
        assert_eq!(
            reason(IntWidth::Int32, "-2147483648.0"),
            Some(Reason::FloatNotation)
        );
    }

    #[test]
    fn non_numbers_are_left_to_type() {
        assert_eq!(reason(IntWidth::Int64, "\"1700000000000\""), None);
        assert_eq!(reason(IntWidth::Int64, "null"), None);
    }

    #[test]
    fn rejection_reads_as_expected_and_actual() {
        let rejection = check(IntWidth::Int64, &parse("1.7e12")).unwrap_err();
        assert_eq!(rejection.expected(), "an int64 integer literal");
        assert_eq!(rejection.actual(), "1700000000000.0 (float notation)");
        let rejection = check(IntWidth::Int64, &parse("9223372036854775808")).unwrap_err();
        assert_eq!(
            rejection.to_string(),
            "expected an int64 integer literal, got 9223372036854775808 (above int64 max)"
        );
    }
}
