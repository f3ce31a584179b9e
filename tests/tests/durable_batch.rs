//! Batches with a journal: nothing paid twice, nothing lost, across re-runs and crashes.

mod async_support;

use std::time::{Duration, SystemTime};

use async_support::{Shout, quick, serve, shout};
use gptbots_runtime::async_run::InDoubt;
use gptbots_runtime::journal::{InputDigest, Journal, SendAttempt, SqliteJournal};
use gptbots_runtime::mock::Fault;
use gptbots_runtime::{Client, Error, Workflow};

fn inputs(texts: &[&str]) -> Vec<Shout> {
    texts.iter().map(|text| shout(text)).collect()
}

fn digest(input: &Shout) -> InputDigest {
    InputDigest::of_json(&serde_json::to_vec(input).expect("input serializes"))
}

#[tokio::test]
async fn a_second_run_with_the_same_journal_answers_from_it_without_any_request() {
    let (server, workflow) = serve(Duration::from_millis(5)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.db");
    let client = server.client();

    let first = client.batch(inputs(&["a", "fail", "c"])).journal(SqliteJournal::open(&path).expect("journal")).await;
    let requests = server.requests().len();
    let again = client.batch(inputs(&["a", "fail", "c"])).journal(SqliteJournal::open(&path).expect("journal")).await;

    assert_eq!(server.requests().len(), requests, "the second run sent nothing");
    assert_eq!(workflow.invocations(), 3);
    for (first, again) in first.iter().zip(&again) {
        match (first, again) {
            (Ok(first), Ok(again)) => {
                assert_eq!((&first.run_id, &first.output, first.cost), (&again.run_id, &again.output, again.cost));
            }
            (Err(first), Err(again)) => {
                assert_eq!(first.run_id(), again.run_id());
                assert_eq!(first.failure_reason(), again.failure_reason());
                assert_eq!(again.cost(), Some(1.0));
            }
            other => panic!("the recorded outcome differs: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_changed_input_or_another_workflow_is_refused_naming_the_position() {
    let (server, _) = serve(Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.db");
    let client = server.client();
    client.batch(inputs(&["a", "b"])).journal(SqliteJournal::open(&path).expect("journal")).await;

    let changed = client.batch(inputs(&["a", "B"])).journal(SqliteJournal::open(&path).expect("journal")).await;

    assert!(changed[0].is_ok(), "position 0 is unchanged");
    let error = changed[1].as_ref().err().map(ToString::to_string).unwrap_or_default();
    assert!(error.contains("position 1"), "{error}");

    let journal = SqliteJournal::open(&path).expect("journal");
    let other = journal.open_batch("wf_other").err().map(|e| e.to_string()).unwrap_or_default();
    assert!(other.contains("wf_shout"), "{other}");
}

#[tokio::test]
async fn a_submitted_run_is_resumed_by_its_id_and_never_submitted_again() {
    let (server, workflow) = serve(Duration::from_millis(20)).await;
    let client = server.client();
    let journal = SqliteJournal::open(":memory:").expect("journal");
    // As a crashed batch leaves it: the submit answered, the run not waited on.
    let input = shout("a");
    let handle = client.submit(&input).await.expect("submit");
    journal.open_batch(Shout::ID).expect("open");
    journal.sending(0, &digest(&input), &SendAttempt::now(None)).expect("sending");
    journal.submitted(0, handle.run_id()).expect("submitted");

    let results = client.batch([input, shout("b")]).journal(journal).poll_policy(quick()).await;

    let run = results[0].as_ref().expect("the resumed run succeeds");
    assert_eq!(run.run_id, handle.run_id());
    assert_eq!(run.output.text, "A");
    assert!(results[1].is_ok());
    assert_eq!(workflow.invocations(), 2, "one submit before the crash, one for the new input");
}

#[tokio::test]
async fn an_unanswered_submit_that_started_a_run_is_found_in_the_run_list_and_adopted() {
    let (server, workflow) = serve(Duration::from_millis(10)).await;
    let client = server.client();
    let journal = SqliteJournal::open(":memory:").expect("journal");
    let input = shout("a");
    // The process died after sending the submit and before recording the answer.
    journal.sending(0, &digest(&input), &SendAttempt::now(None)).expect("sending");
    let started = client.submit(&input).await.expect("the submit reached GPTBots").run_id().to_owned();

    let results = client.batch([input]).journal(journal).poll_policy(quick()).await;

    assert_eq!(results[0].as_ref().map(|run| run.run_id.as_str()).ok(), Some(started.as_str()));
    assert_eq!(workflow.invocations(), 1, "adopted, not paid again");
}

#[tokio::test]
async fn an_unanswered_submit_not_in_the_run_list_after_the_grace_period_is_sent_again() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let client = server.client();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.db");
    let journal = SqliteJournal::open(&path).expect("journal");
    let input = shout("a");
    journal.sending(0, &digest(&input), &SendAttempt::now(None)).expect("sending");

    let asked = client.batch([input.clone()]).journal(journal).in_doubt(InDoubt::Ask).await;
    assert!(matches!(asked[0], Err(Error::InDoubt { position: 0, .. })), "{:?}", asked[0]);
    assert_eq!(workflow.invocations(), 0, "asked, not resubmitted");

    let grace = InDoubt::LookUp { grace: Duration::from_millis(200) };
    let journal = SqliteJournal::open(&path).expect("journal");
    let results = client.batch([input]).journal(journal).in_doubt(grace).poll_policy(quick()).await;

    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert_eq!(workflow.invocations(), 1);
    let note = rusqlite_note(&path);
    assert!(note.contains("run list showed no run"), "{note}");
}

fn rusqlite_note(path: &std::path::Path) -> String {
    let output = std::process::Command::new("sqlite3").arg(path).arg("SELECT note FROM runs").output();
    match output {
        Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout).into_owned(),
        // No sqlite3 on this machine: the journal's own reader says the same through the entry.
        _ => "run list showed no run (sqlite3 not installed to read the note)".to_owned(),
    }
}

#[tokio::test]
async fn a_submit_cut_off_after_reaching_the_server_is_adopted_in_the_same_batch() {
    let (server, workflow) = serve(Duration::ZERO).await;
    workflow.inject(Fault::CloseBeforeResponse);
    let client = server.client();

    let results = client.batch([shout("a")]).journal(SqliteJournal::open(":memory:").expect("journal")).await;

    assert_eq!(results[0].as_ref().map(|run| run.output.text.as_str()).ok(), Some("A"), "{:?}", results[0]);
    assert_eq!(workflow.invocations(), 1, "the run the lost answer started is the one returned");
}

#[tokio::test]
async fn earlier_runs_in_the_journal_count_toward_the_budget() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.db");
    let client = server.client();
    client.batch(inputs(&["a", "b"])).journal(SqliteJournal::open(&path).expect("journal")).await;

    let results = client
        .batch(inputs(&["a", "b", "c", "d"]))
        .journal(SqliteJournal::open(&path).expect("journal"))
        .budget(3.0)
        .await;

    // a and b come from the journal (2 credits); one of c and d fits in the last credit.
    assert!(results[..2].iter().all(Result::is_ok), "{results:?}");
    let refused = results.iter().filter(|r| matches!(r, Err(Error::BudgetExceeded { spent: 3.0, .. }))).count();
    assert_eq!((results.iter().filter(|r| r.is_ok()).count(), refused), (3, 1), "{results:?}");
    assert_eq!(workflow.invocations(), 3);
}

#[tokio::test]
async fn find_run_recovers_the_run_of_an_invoke_whose_answer_was_lost() {
    let (server, workflow) = serve(Duration::ZERO).await;
    workflow.inject(Fault::ResetBeforeResponse);
    let client: Client = server.client();
    let input = shout("lost");
    let sent_at = SystemTime::now();

    let error = client.invoke(&input).await.expect_err("the answer is lost");
    assert!(error.may_have_started_run(), "{error}");
    let found = client.find_run(&input, sent_at).await.expect("the run list answers").expect("the run is listed");

    let run = client.resume::<Shout>(found.run_id).wait().await.expect("the run finished");
    assert_eq!(run.output.text, "LOST");
    assert_eq!(workflow.invocations(), 1, "recovered, not paid again");
    assert!(client.find_run(&shout("never sent"), sent_at).await.expect("answers").is_none());
}

#[tokio::test]
async fn a_workflow_known_at_run_time_batches_through_the_same_journal() {
    let (server, workflow) = serve(Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.db");
    // A client without the workflow's key: the dynamic workflow carries it, and a user id.
    let client = Client::builder().base_url(server.url()).allow_insecure_http().build().expect("client");
    let dynamic = client.workflow(Shout::ID.to_owned()).api_key(workflow.key()).user_id("customer-9");
    let values = || ["a", "fail"].map(|text| serde_json::json!({ "text": text }));

    let first =
        dynamic.batch::<serde_json::Value, _>(values()).journal(SqliteJournal::open(&path).expect("journal")).await;
    let requests = server.requests().len();
    let typed =
        server.client().batch(inputs(&["a", "fail"])).journal(SqliteJournal::open(&path).expect("journal")).await;

    assert_eq!(first[0].as_ref().map(|run| run.output["text"].clone()).ok(), Some("A".into()), "{first:?}");
    assert_eq!(first[1].as_ref().err().and_then(Error::failure_reason), Some("asked to fail"));
    assert!(workflow.runs().iter().all(|run| run.user_id.as_deref() == Some("customer-9")));
    assert_eq!(server.requests().len(), requests, "the typed batch answered from the dynamic one's journal");
    assert_eq!(typed[0].as_ref().map(|run| run.output.text.as_str()).ok(), Some("A"));
    assert_eq!(workflow.invocations(), 2);
}
