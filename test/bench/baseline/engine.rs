//! What both compiled baselines share, so that they differ only in how they
//! serve sockets: how they start listening, and what they do with the event
//! stream: whole lines in, reordered with a binary heap, each event applied
//! in sequence order, and each connected recipient's notifications of one
//! read collected, so that it gets them in one write.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::net::TcpListener;

/// Binds the event and client ports given as the first two arguments (0 picks
/// a free one) and prints follower-maze's startup line for them, so the bench
/// starts every server the same way.
pub fn listen(name: &str) -> (TcpListener, TcpListener) {
    let port = |i: usize| std::env::args().nth(i).map(|s| s.parse::<u16>().expect("port")).unwrap_or(0);
    let events = TcpListener::bind(("127.0.0.1", port(1))).expect("event port");
    let clients = TcpListener::bind(("127.0.0.1", port(2))).expect("client port");
    let bound = |l: &TcpListener| l.local_addr().expect("bound").port();
    eprintln!("{name} listening: events on 127.0.0.1:{}, clients on 127.0.0.1:{}", bound(&events), bound(&clients));
    (events, clients)
}

pub struct Engine {
    next: u64,
    /// (seq, line without terminator), smallest seq first.
    held: BinaryHeap<Reverse<(u64, Vec<u8>)>>,
    /// Users that never connected are kept only as graph nodes.
    followers: HashMap<u64, HashSet<u64>>,
}

impl Engine {
    pub fn new() -> Engine {
        Engine { next: 1, held: BinaryHeap::new(), followers: HashMap::new() }
    }

    /// Takes the whole lines from the front of `partial` (a partial last line
    /// stays), applies every event they make ready, and appends each
    /// notification to its recipient's bytes in `out` when the recipient is
    /// a key of `connected`.
    pub fn take<V>(&mut self, partial: &mut Vec<u8>, connected: &HashMap<u64, V>, out: &mut HashMap<u64, Vec<u8>>) {
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
        while let Some(Reverse((seq, _))) = self.held.peek() {
            if *seq > self.next {
                break;
            }
            let Reverse((seq, line)) = self.held.pop().unwrap();
            if seq == self.next {
                self.next += 1;
                self.route(&line, connected, out);
            }
        }
    }

    fn route<V>(&mut self, line: &[u8], connected: &HashMap<u64, V>, out: &mut HashMap<u64, Vec<u8>>) {
        let kind = line.split(|&b| b == b'|').nth(1).and_then(|k| k.first().copied());
        let from = field(line, 2);
        let to = field(line, 3);
        let mut send = |user: u64| {
            if connected.contains_key(&user) {
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
                for &user in connected.keys() {
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
