mod common;

use common::Server;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn health_answers_ok() {
    let server = Server::start();
    assert!(server.healthy().await);
}

#[tokio::test]
async fn an_unknown_method_path_is_not_found_in_the_api_error_shape() {
    let server = Server::start();
    let (status, body) = server
        .post_raw(
            "/api/v1/no_such_method",
            Some("application/json"),
            None,
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], json!("not_found"));
    assert!(body["error"]["message"].is_string());
}

#[tokio::test]
async fn the_openapi_document_lists_every_method_with_its_session_need() {
    let server = Server::start();
    let response = server
        .http
        .get(format!("{}/api/v1/openapi.json", server.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    let doc: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(doc["openapi"], json!("3.1.0"));
    for name in attesta_proto::api::METHOD_NAMES {
        let operation = &doc["paths"][format!("/api/v1/{name}")]["post"];
        assert_eq!(operation["operationId"], json!(name), "{name} missing");
        assert!(operation["responses"]["400"].is_object(), "{name}");
    }
    assert!(doc["paths"]["/api/v1/events"]["get"].is_object());
    assert!(doc["paths"]["/health"]["get"].is_object());
    let login = &doc["paths"]["/api/v1/auth_login"]["post"]["security"];
    assert_eq!(login, &json!([]));
    let logout = &doc["paths"]["/api/v1/auth_logout"]["post"]["security"];
    assert_eq!(logout, &json!([{"session": []}]));
}

#[tokio::test]
async fn a_method_called_with_get_gets_an_api_error() {
    let server = Server::start();
    let response = server
        .http
        .get(server.method_url("tokens_list"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], json!("bad_request"));
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start();
    assert!(server.healthy().await);
    let status = server.terminate();
    assert!(status.success(), "{status}");
}
