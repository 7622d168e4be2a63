//! The OpenAPI 3.1 document at `GET /api/v1/openapi.json`, built from the
//! routes actually registered (so it cannot list a method the server lacks,
//! or miss one it has). Bodies are named by their `attesta_proto::api` type
//! and described as JSON objects; docs/api.md and api.md give their fields.

use attesta_proto::api::{ErrorCode, PATH_PREFIX};
use serde_json::{Map, Value, json};

use crate::http::MethodInfo;

const ERROR_CODES: [ErrorCode; 8] = [
    ErrorCode::BadRequest,
    ErrorCode::Unauthorized,
    ErrorCode::Forbidden,
    ErrorCode::NotFound,
    ErrorCode::Conflict,
    ErrorCode::TooLarge,
    ErrorCode::Limit,
    ErrorCode::Internal,
];

pub fn document(methods: &[MethodInfo]) -> Value {
    let mut paths = Map::new();
    for method in methods {
        paths.insert(
            format!("{PATH_PREFIX}{}", method.name),
            json!({ "post": operation(method) }),
        );
    }
    paths.insert(
        "/health".to_owned(),
        json!({ "get": {
            "operationId": "health",
            "responses": { "200": { "description": "the server is up",
                "content": { "application/json": { "schema": {
                    "type": "object", "properties": { "status": { "const": "ok" } } } } } } }
        }}),
    );
    paths.insert(format!("{PATH_PREFIX}events"), events_operation());
    paths.insert(
        format!("{PATH_PREFIX}events"),
        json!({ "get": {
            "operationId": "events",
            "description": "Upgrades to a WebSocket that sends {\"cursor\"} when there is something new to sync.",
            "security": [{ "session": [] }, {}],
            "parameters": [{ "name": "ticket", "in": "query", "required": false,
                "description": "a single-use ticket from events_ticket, instead of the Authorization header",
                "schema": { "type": "string" } }],
            "responses": {
                "101": { "description": "switching to the WebSocket protocol" },
                "401": { "$ref": "#/components/responses/401" }
            }
        }}),
    );
    let mut responses = Map::new();
    for code in ERROR_CODES {
        let name = serde_json::to_value(code).unwrap_or(Value::Null);
        responses.insert(
            code.status().to_string(),
            json!({
                "description": name,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
            }),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Attesta service API",
            "version": "1",
            "description": "Every method is POST /api/v1/<method> with a JSON object body. Binary values are unpadded base64url, times RFC 3339 UTC.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": { "session": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": { "enum": ERROR_CODES.iter().map(|c| serde_json::to_value(c).unwrap_or(Value::Null)).collect::<Vec<_>>() },
                            "message": { "type": "string" },
                            "reason": { "enum": ["taken", "quarantine"] }
                        }
                    }}
                }
            },
            "responses": responses,
        },
    })
}

/// The push socket: a GET that upgrades, not a JSON method.
fn events_operation() -> Value {
    json!({ "get": {
        "operationId": "events",
        "description": "Upgrades to a WebSocket that sends {\"cursor\": \"<string>\"} whenever the party has something new to sync, and closes (1008) when the device's session ends. Authenticated by the bearer header or by a single-use `ticket` from events_ticket (valid 30 s).",
        "security": [{ "session": [] }, {}],
        "parameters": [{ "name": "ticket", "in": "query", "required": false, "schema": { "type": "string" } }],
        "responses": {
            "101": { "description": "switching to the WebSocket protocol" },
            "400": { "$ref": "#/components/responses/400" },
            "401": { "$ref": "#/components/responses/401" }
        }
    }})
}

fn operation(method: &MethodInfo) -> Value {
    let mut responses = Map::new();
    responses.insert(
        "200".to_owned(),
        json!({
            "description": method.response,
            "content": { "application/json": { "schema": { "type": "object", "title": method.response } } }
        }),
    );
    for code in ERROR_CODES {
        let status = code.status().to_string();
        let reference = json!({ "$ref": format!("#/components/responses/{status}") });
        responses.insert(status, reference);
    }
    let security = if method.needs_session {
        json!([{ "session": [] }])
    } else {
        json!([])
    };
    json!({
        "operationId": method.name,
        "security": security,
        "requestBody": {
            "required": true,
            "content": { "application/json": { "schema": { "type": "object", "title": method.request } } }
        },
        "responses": responses,
    })
}
