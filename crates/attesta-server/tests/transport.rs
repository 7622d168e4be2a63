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
