//! Events written per second through `SyncLogWriter::append` (lock, size
//! check, one O_APPEND write), with and without rotation, and read back.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sesame_synclog::{Component, EventKind, SyncEvent, SyncLogWriter, read_log};
use time::macros::datetime;

fn event(seq: u64) -> SyncEvent {
    SyncEvent::new(
        datetime!(2026-11-22 09:30:00 UTC),
        "mac-042",
        Component::Menubar,
        EventKind::PasswordCheck,
        format!("Password check {seq}: Entra accepted the password; MFA stopped token issuance."),
    )
    .with_user("alice@contoso.com", Some("alice".into()))
    .with_codes([50076])
    .with_ids(Some(uuid(1)), Some(uuid(2)))
}

fn uuid(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("synclog");
    group.throughput(Throughput::Elements(1));

    let mut writer = SyncLogWriter::open(dir.path().join("plain/sync.log")).expect("open");
    let mut seq = 0;
    group.bench_function("append (events/s)", |b| {
        b.iter(|| {
            seq += 1;
            writer.append(black_box(&event(seq))).expect("append");
        })
    });

    let mut rotating = SyncLogWriter::open(dir.path().join("rotating/sync.log"))
        .expect("open")
        .with_rotation(64 * 1024, 5);
    group.bench_function("append with rotation every 64 KiB (events/s)", |b| {
        b.iter(|| {
            seq += 1;
            rotating.append(black_box(&event(seq))).expect("append");
        })
    });

    let read_path = dir.path().join("read/sync.log");
    let mut w = SyncLogWriter::open(&read_path).expect("open");
    for i in 0..10_000 {
        w.append(&event(i)).expect("append");
    }
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("read 10,000 events (events/s)", |b| {
        b.iter(|| black_box(read_log(&read_path).expect("read").events.len()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
