//! The wire: a versioned envelope of JSON text, decoding that refuses other versions and
//! unknown messages, and errors as data.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use engine::limits::Whole;

use crate::*;

/// `value` of `field` within `allowed`, or the error naming all three.
pub(crate) fn whole(field: &'static str, value: u32, allowed: Whole) -> Result<(), RequestError> {
    if allowed.contains(value) {
        Ok(())
    } else {
        Err(RequestError::OutOfRange { field, value: value.to_string(), allowed: allowed.to_string() })
    }
}

/// A request that cannot be carried out as given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    /// A number outside its allowed range.
    #[error("{field} = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
}

/// A failed request, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineError {
    /// What was being done when it failed.
    pub context: String,
    /// What went wrong.
    pub message: String,
}

/// The wire form: a version and one message.
#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    v: u32,
    msg: T,
}

/// Why a text could not be decoded into a message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    /// Not JSON, or not an envelope `{ "v": <version>, "msg": {...} }`.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The envelope carries another protocol version.
    #[error("protocol version {found} received, this build speaks version {expected}; reload the page")]
    VersionMismatch {
        /// This build's version.
        expected: u32,
        /// The version received.
        found: u32,
    },
    /// A well-formed envelope whose message is not one this build knows.
    #[error("unknown or invalid message: {0}")]
    UnknownMessage(String),
}

/// Encodes a message as envelope JSON text.
pub fn encode<T: Serialize>(message: &T) -> String {
    let envelope = Envelope { v: PROTOCOL_VERSION, msg: message };
    // Serialising these plain enums of strings and numbers cannot fail; a non-finite float
    // becomes `null`, which the decoder rejects as an invalid message rather than panicking.
    serde_json::to_string(&envelope).unwrap_or_else(|error| {
        format!("{{\"v\":{PROTOCOL_VERSION},\"msg\":{{\"unencodable\":{{\"error\":{:?}}}}}}}", error.to_string())
    })
}

/// Only the envelope's version: read first, so that a message from another version is refused
/// as such rather than as an unknown message.
#[derive(Deserialize)]
struct Version {
    v: u32,
}

/// Decodes envelope JSON text, checking the version before the message. Both reads go straight
/// from the text (no `serde_json::Value` in between): each message type is then deserialised by
/// one copy of its code, which keeps the page's wasm small.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ProtocolError> {
    let Version { v } = serde_json::from_str(text).map_err(|error| ProtocolError::Malformed(error.to_string()))?;
    if v != PROTOCOL_VERSION {
        return Err(ProtocolError::VersionMismatch { expected: PROTOCOL_VERSION, found: v });
    }
    let envelope: Envelope<T> =
        serde_json::from_str(text).map_err(|error| ProtocolError::UnknownMessage(error.to_string()))?;
    Ok(envelope.msg)
}

/// Decodes one incoming message, or says what is wrong with it (sent back as [`FromEngine::Error`]).
/// ```
/// use protocol::{encode, read_request, DeviceCheckRequest, ToEngine};
/// let ok = read_request(Some(encode(&ToEngine::CheckDevice(DeviceCheckRequest::default()))));
/// assert!(ok.is_ok());
/// let unknown = read_request(Some("{\"v\":4,\"msg\":{\"dance\":{}}}".into())).unwrap_err();
/// assert!(unknown.message.contains("unknown"), "{}", unknown.message);
/// assert!(read_request(None).is_err());
/// ```
pub fn read_request(data: Option<String>) -> Result<ToEngine, EngineError> {
    let text = data.ok_or_else(|| EngineError::new("reading a message", "messages must be JSON text"))?;
    decode::<ToEngine>(&text).map_err(|error| EngineError::new("reading a message", error.to_string()))
}

/// Checks the page's protocol version from [`ToEngine::Hello`].
pub fn check_hello(protocol_version: u32) -> Result<(), EngineError> {
    if protocol_version == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(EngineError::new(
            "starting the engine",
            format!("the page speaks protocol version {protocol_version}, this worker speaks {PROTOCOL_VERSION}; reload the page"),
        ))
    }
}

impl EngineError {
    /// An error met while doing `context`.
    pub fn new(context: &str, message: impl Into<String>) -> Self {
        EngineError { context: context.to_string(), message: message.into() }
    }
}
