//! Writes that are applied but whose answer does not arrive intact (`loseWriteAnswer`,
//! `garbleWriteAnswer`): what a client sees when a connection drops after the org committed a
//! create, or a proxy mangles the body. A client that reads either as "refused" leaves records
//! behind; the live capture must find such a write again by name.

use crate::faults::{glob, Faults, WriteFault};
use crate::http::{Request, Response};

fn is_write(req: &Request) -> bool {
    req.method != "GET"
        && req.method != "HEAD"
        && req.path.starts_with("/services/data/")
        && !req.path.ends_with("/composite")
        && !req.path.ends_with("/composite/batch")
}

/// Counts the fault down when it applies to `req`.
fn take(f: &mut WriteFault, req: &Request) -> bool {
    if f.count == 0 {
        return false;
    }
    let key = format!("{} {}", req.method, req.path);
    if !f.pattern.is_empty() && !glob(&f.pattern, &key) {
        return false;
    }
    f.count -= 1;
    true
}

/// The answer to `req` after the write faults (the org's state is already changed).
pub fn apply(faults: &mut Faults, req: &Request, mut resp: Response) -> Response {
    if !is_write(req) {
        return resp;
    }
    if take(&mut faults.lose_write_answer, req) {
        resp.lost = true;
        resp.body.clear();
    } else if take(&mut faults.garble_write_answer, req) {
        let cut = resp.body.len() / 2;
        resp.body.truncate(cut);
        resp.body.extend_from_slice(b"{\"id\":\"7");
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_only_on_matching_writes() {
        let mut f = Faults::default();
        f.merge(
            &serde_json::json!({"loseWriteAnswer": {"count": 1, "pattern": "POST */DebugLevel"}}),
        )
        .unwrap();
        let get = Request::new(
            "GET",
            "acme.my.salesforce.com",
            "/services/data/v65.0/tooling/sobjects/DebugLevel",
        );
        assert!(!apply(&mut f, &get, Response::default()).lost);
        let other = Request::new(
            "POST",
            "acme.my.salesforce.com",
            "/services/data/v65.0/tooling/sobjects/TraceFlag",
        );
        assert!(!apply(&mut f, &other, Response::default()).lost);
        let post = Request::new(
            "POST",
            "acme.my.salesforce.com",
            "/services/data/v65.0/tooling/sobjects/DebugLevel",
        );
        assert!(apply(&mut f, &post, Response::default()).lost);
        assert!(
            !apply(&mut f, &post, Response::default()).lost,
            "count 1 applies once"
        );
    }

    #[test]
    fn garbled_answers_keep_their_status_and_do_not_parse() {
        let mut f = Faults::default();
        f.garble_write_answer.count = 1;
        let post = Request::new(
            "POST",
            "acme.my.salesforce.com",
            "/services/data/v65.0/tooling/sobjects/TraceFlag",
        );
        let r = apply(
            &mut f,
            &post,
            Response::json(
                201,
                &serde_json::json!({"id": "7tf000000000001AAA", "success": true}),
            ),
        );
        assert_eq!(r.status, 201);
        assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    }
}
