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
//! with one `write_all`. Sockets have TCP_NODELAY.
//! Users that never connected are kept only as graph nodes.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

type Line = Arc<[u8]>;
type Clients = Arc<Mutex<HashMap<u64, Vec<Sender<Line>>>>>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port = |i: usize| args.get(i).map(|s| s.parse::<u16>().expect("port")).unwrap_or(0);
    let events = TcpListener::bind(("127.0.0.1", port(1))).expect("event port");
    let clients_listener = TcpListener::bind(("127.0.0.1", port(2))).expect("client port");
    eprintln!(
        "thread-per-client listening: events on 127.0.0.1:{}, clients on 127.0.0.1:{}",
        events.local_addr().unwrap().port(),
        clients_listener.local_addr().unwrap().port()
    );
    let clients: Clients = Arc::new(Mutex::new(HashMap::new()));
    let registry = clients.clone();
    thread::spawn(move || {
        for stream in clients_listener.incoming().flatten() {
            let registry = registry.clone();
            thread::spawn(move || serve_client(stream, registry));
        }
    });
    let mut engine = Engine { next: 1, held: BinaryHeap::new(), followers: HashMap::new(), clients };
    for stream in events.incoming().flatten() {
        engine.read_source(stream);
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

struct Engine {
    next: u64,
    /// (seq, line without terminator), smallest seq first.
    held: BinaryHeap<Reverse<(u64, Vec<u8>)>>,
    followers: HashMap<u64, HashSet<u64>>,
    clients: Clients,
}

impl Engine {
    fn read_source(&mut self, mut stream: TcpStream) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut partial: Vec<u8> = Vec::new();
        loop {
            let n = match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            partial.extend_from_slice(&buf[..n]);
            let mut start = 0;
            while let Some(lf) = partial[start..].iter().position(|&b| b == b'\n') {
                let mut line = &partial[start..start + lf];
                if line.last() == Some(&b'\r') {
                    line = &line[..line.len() - 1];
                }
                if let Some(seq) = field(line, 0) {
                    self.held.push(Reverse((seq, line.to_vec())));
                }
                start += lf + 1;
            }
            partial.drain(..start);
            // One lock per read: every line this read made ready is routed under it.
            let clients = self.clients.clone();
            let mut clients = clients.lock().unwrap();
            let mut out: HashMap<u64, Vec<u8>> = HashMap::new();
            while let Some(Reverse((seq, _))) = self.held.peek() {
                if *seq > self.next {
                    break;
                }
                let Reverse((seq, line)) = self.held.pop().unwrap();
                if seq == self.next {
                    self.next += 1;
                    self.route(&line, &clients, &mut out);
                }
            }
            for (user, bytes) in out {
                let bytes: Line = bytes.into();
                if let Some(list) = clients.get_mut(&user) {
                    list.retain(|tx| tx.send(bytes.clone()).is_ok());
                }
            }
        }
    }

    /// Applies one event and appends its line to the bytes of each connected recipient in `out`.
    fn route(&mut self, line: &[u8], clients: &HashMap<u64, Vec<Sender<Line>>>, out: &mut HashMap<u64, Vec<u8>>) {
        let kind = line.split(|&b| b == b'|').nth(1).and_then(|k| k.first().copied());
        let from = field(line, 2);
        let to = field(line, 3);
        let mut send = |user: u64| {
            if clients.contains_key(&user) {
                let bytes = out.entry(user).or_default();
                bytes.extend_from_slice(line);
                bytes.extend_from_slice(b"\r\n");
            }
        };
        match (kind, from, to) {
            (Some(b'F'), Some(from), Some(to)) => {
                self.followers.entry(to).or_default().insert(from);
                send(to);
            }
            (Some(b'U'), Some(from), Some(to)) => {
                if let Some(set) = self.followers.get_mut(&to) {
                    set.remove(&from);
                }
            }
            (Some(b'B'), _, _) => {
                for &user in clients.keys() {
                    send(user);
                }
            }
            (Some(b'P'), _, Some(to)) => send(to),
            (Some(b'S'), Some(from), _) => {
                if let Some(set) = self.followers.get(&from) {
                    for &follower in set {
                        send(follower);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The `index`-th `|`-separated field as a number.
fn field(line: &[u8], index: usize) -> Option<u64> {
    std::str::from_utf8(line.split(|&b| b == b'|').nth(index)?).ok()?.parse().ok()
}
