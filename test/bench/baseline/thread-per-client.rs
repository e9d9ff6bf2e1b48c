//! A minimal Follower Maze server, one thread per client, Rust standard library
//! only: the compiled baseline `bun run bench:e2e latency-paired` measures
//! follower-maze against. A bench tool, never part of the build or the tests;
//! the bench compiles it with `rustc` when it runs.
//!
//!   thread-per-client EVENT_PORT CLIENT_PORT    (0 picks a free port)
//!
//! It prints follower-maze's startup line, so the bench starts both the same
//! way. One event source at a time reads with a 64 KiB buffer, reorders with a
//! binary heap, applies each event in order and collects each recipient's
//! notifications of the read; after the read each recipient's thread gets them
//! as one message over its channel, takes all that is waiting and writes it
//! with one `write_all`. Sockets have TCP_NODELAY. The events themselves go
//! through `engine.rs`, which event-loop.rs shares.

mod engine;

use engine::Engine;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

type Line = Arc<[u8]>;
type Clients = Arc<Mutex<HashMap<u64, Vec<Sender<Line>>>>>;

fn main() {
    let (events, clients_listener) = engine::listen("thread-per-client");
    let clients: Clients = Arc::new(Mutex::new(HashMap::new()));
    let registry = clients.clone();
    thread::spawn(move || {
        for stream in clients_listener.incoming().flatten() {
            let registry = registry.clone();
            thread::spawn(move || serve_client(stream, registry));
        }
    });
    let mut engine = Engine::new();
    for stream in events.incoming().flatten() {
        read_source(&mut engine, stream, &clients);
    }
}

/// Reads the user id, registers a channel for it, then writes whatever arrives.
fn serve_client(stream: TcpStream, registry: Clients) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let Ok(user) = first.trim().parse::<u64>() else { return };
    let (tx, rx): (Sender<Line>, Receiver<Line>) = channel();
    registry.lock().unwrap().entry(user).or_default().push(tx);
    let mut out = stream;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    while let Ok(line) = rx.recv() {
        buf.extend_from_slice(&line);
        while let Ok(more) = rx.try_recv() {
            buf.extend_from_slice(&more);
        }
        if out.write_all(&buf).is_err() {
            return;
        }
        buf.clear();
    }
}

fn read_source(engine: &mut Engine, mut stream: TcpStream, clients: &Clients) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        partial.extend_from_slice(&buf[..n]);
        // One lock per read: every line this read made ready is routed under it.
        let mut clients = clients.lock().unwrap();
        let mut out: HashMap<u64, Vec<u8>> = HashMap::new();
        engine.take(&mut partial, &clients, &mut out);
        for (user, bytes) in out {
            let bytes: Line = bytes.into();
            if let Some(list) = clients.get_mut(&user) {
                list.retain(|tx| tx.send(bytes.clone()).is_ok());
            }
        }
    }
}
