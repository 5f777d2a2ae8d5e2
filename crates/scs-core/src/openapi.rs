//! OpenAPI schemas (`openapi` feature, for the registry's `/v1/openapi.json`) of the types whose
//! serde form is written by hand: each is a string or a number with a format, as serialised.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;

use crate::credential::Level;
use crate::ids::{CorporateNumber, CredentialId};
use crate::timestamp::{CalendarDate, Timestamp};

/// Implements `ToSchema` for a type serialised as a scalar described by `$schema`.
macro_rules! scalar_schema {
    ($type:ty, $schema:expr) => {
        impl utoipa::PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                $schema.into()
            }
        }

        impl utoipa::ToSchema for $type {}
    };
}

fn string(description: &str, example: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .examples([example])
}

scalar_schema!(
    Timestamp,
    string(
        "An RFC 3339 date-time in UTC, whole seconds",
        "2027-04-01T00:00:00Z"
    )
    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
);

scalar_schema!(
    CalendarDate,
    string("A calendar date", "2027-03-15")
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
);

scalar_schema!(
    CredentialId,
    string(
        "A credential id: urn:uuid: and a UUID",
        "urn:uuid:6ec0870a-05a1-43a9-b0e2-7fc1a1227010"
    )
    .pattern(Some("^urn:uuid:[0-9a-f-]{36}$"))
);

scalar_schema!(
    CorporateNumber,
    string(
        "法人番号 / corporate number: 13 digits, the first the check digit",
        "7000012050002"
    )
    .pattern(Some("^[0-9]{13}$"))
);

scalar_schema!(
    Level,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .description(Some("★ level: 3, 4 or 5"))
        .enum_values(Some([3, 4, 5]))
);
