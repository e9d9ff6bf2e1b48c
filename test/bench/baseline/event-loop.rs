//! A minimal Follower Maze server with follower-maze's own shape, in Rust with
//! the standard library and three epoll calls from the C library it already
//! links: one thread, one epoll loop, non-blocking sockets. The second
//! compiled baseline of `bun run bench:e2e latency-paired`: what a server that
//! works like follower-maze gets on the machine without JavaScript, its JIT or
//! its collector. A bench tool, never part of the build or the tests.
//!
//!   event-loop EVENT_PORT CLIENT_PORT [SLICE_US]    (0 picks a free port)
//!
//! SLICE_US asks Linux for that scheduler slice (sched_setattr, as
//! follower-maze's `--scheduler-slice` does), so the two can be compared with
//! the same request. Each readable event source gets one read of up to 64 KiB;
//! the events go through `engine.rs`, as in thread-per-client.rs; then each
//! recipient's notifications of the read go out in one write. What a socket
//! does not take waits for EPOLLOUT. Sockets have TCP_NODELAY.

mod engine;

use engine::Engine;
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;

#[repr(C, packed)]
#[derive(Clone, Copy)]
struct EpollEvent {
    events: u32,
    token: u64,
}

extern "C" {
    fn epoll_create1(flags: i32) -> i32;
    fn epoll_ctl(epfd: i32, op: i32, fd: i32, event: *mut EpollEvent) -> i32;
    fn epoll_wait(epfd: i32, events: *mut EpollEvent, maxevents: i32, timeout: i32) -> i32;
    fn syscall(number: i64, ...) -> i64;
}

const EPOLL_CTL_ADD: i32 = 1;
const EPOLL_CTL_DEL: i32 = 2;
const EPOLL_CTL_MOD: i32 = 3;
const EPOLLIN: u32 = 0x1;
const EPOLLOUT: u32 = 0x4;
const SYS_SCHED_SETATTR: i64 = 314;
/// The listeners' tokens; every connection gets one of its own from 2 on.
const EVENT_LISTENER: u64 = 0;
const CLIENT_LISTENER: u64 = 1;

struct Poller(i32);

impl Poller {
    fn new() -> Poller {
        Poller(unsafe { epoll_create1(0) })
    }

    fn control(&self, op: i32, fd: i32, events: u32, token: u64) {
        let mut event = EpollEvent { events, token };
        unsafe { epoll_ctl(self.0, op, fd, &mut event) };
    }

    fn wait(&self, ready: &mut [EpollEvent]) -> usize {
        let n = unsafe { epoll_wait(self.0, ready.as_mut_ptr(), ready.len() as i32, -1) };
        n.max(0) as usize
    }
}

struct Client {
    stream: TcpStream,
    user: Option<u64>,
    handshake: Vec<u8>,
    /// Bytes the socket has not taken yet, sent from EPOLLOUT.
    pending: Vec<u8>,
}

struct Server {
    poller: Poller,
    sources: HashMap<u64, (TcpStream, Vec<u8>)>,
    clients: HashMap<u64, Client>,
    /// By user, the tokens of its connections; a key only while it has one.
    connected: HashMap<u64, Vec<u64>>,
    engine: Engine,
    next_token: u64,
}

fn main() {
    if let Some(us) = std::env::args().nth(3) {
        request_slice(us.parse().expect("slice in µs"));
    }
    let (events, clients) = engine::listen("event-loop");
    let mut server = Server { poller: Poller::new(), sources: HashMap::new(), clients: HashMap::new(), connected: HashMap::new(), engine: Engine::new(), next_token: 2 };
    for (listener, token) in [(&events, EVENT_LISTENER), (&clients, CLIENT_LISTENER)] {
        listener.set_nonblocking(true).expect("non-blocking");
        server.poller.control(EPOLL_CTL_ADD, listener.as_raw_fd(), EPOLLIN, token);
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut ready = vec![EpollEvent { events: 0, token: 0 }; 256];
    loop {
        let n = server.poller.wait(&mut ready);
        for &EpollEvent { events: flags, token } in &ready[..n] {
            match token {
                EVENT_LISTENER => server.accept(&events, true),
                CLIENT_LISTENER => server.accept(&clients, false),
                _ if server.sources.contains_key(&token) => server.read_source(token, &mut buf),
                _ => {
                    if flags & EPOLLOUT != 0 {
                        server.flush(token);
                    }
                    if flags & EPOLLIN != 0 {
                        server.read_client(token, &mut buf);
                    }
                }
            }
        }
    }
}

/// The calling thread's scheduler slice, as follower-maze's `--scheduler-slice` asks for it.
fn request_slice(us: u64) {
    // struct sched_attr, version 0: size and policy (SCHED_OTHER), flags (SCHED_FLAG_RESET_ON_FORK), nice and priority, runtime (the slice), deadline, period.
    let mut attr: [u64; 6] = [48, 1, 0, us * 1000, 0, 0];
    if unsafe { syscall(SYS_SCHED_SETATTR, 0i64, attr.as_mut_ptr(), 0u32, 0u32) } != 0 {
        eprintln!("event-loop: sched_setattr failed: keeping the kernel's slice");
    }
}

impl Server {
    fn accept(&mut self, listener: &TcpListener, source: bool) {
        while let Ok((stream, _)) = listener.accept() {
            stream.set_nonblocking(true).expect("non-blocking");
            let _ = stream.set_nodelay(true);
            let token = self.next_token;
            self.next_token += 1;
            self.poller.control(EPOLL_CTL_ADD, stream.as_raw_fd(), EPOLLIN, token);
            if source {
                self.sources.insert(token, (stream, Vec::new()));
            } else {
                self.clients.insert(token, Client { stream, user: None, handshake: Vec::new(), pending: Vec::new() });
            }
        }
    }

    fn read_source(&mut self, token: u64, buf: &mut [u8]) {
        let Some((stream, partial)) = self.sources.get_mut(&token) else { return };
        match stream.read(buf) {
            Ok(0) => {}
            Ok(n) => {
                partial.extend_from_slice(&buf[..n]);
                let mut out: HashMap<u64, Vec<u8>> = HashMap::new();
                self.engine.take(partial, &self.connected, &mut out);
                for (user, bytes) in out {
                    for t in self.connected.get(&user).cloned().unwrap_or_default() {
                        self.send(t, &bytes);
                    }
                }
                return;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(_) => {}
        }
        self.poller.control(EPOLL_CTL_DEL, stream.as_raw_fd(), 0, 0);
        self.sources.remove(&token);
    }

    fn read_client(&mut self, token: u64, buf: &mut [u8]) {
        let Some(client) = self.clients.get_mut(&token) else { return };
        match client.stream.read(buf) {
            Ok(0) => {}
            Ok(n) => {
                if client.user.is_none() {
                    client.handshake.extend_from_slice(&buf[..n]);
                    if let Some(lf) = client.handshake.iter().position(|&b| b == b'\n') {
                        let user = std::str::from_utf8(&client.handshake[..lf]).ok().and_then(|s| s.trim().parse::<u64>().ok());
                        if let Some(user) = user {
                            client.user = Some(user);
                            self.connected.entry(user).or_default().push(token);
                        }
                    }
                }
                return;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(_) => {}
        }
        self.poller.control(EPOLL_CTL_DEL, client.stream.as_raw_fd(), 0, 0);
        if let Some(user) = client.user {
            if let Some(tokens) = self.connected.get_mut(&user) {
                tokens.retain(|t| *t != token);
                if tokens.is_empty() {
                    self.connected.remove(&user);
                }
            }
        }
        self.clients.remove(&token);
    }

    /// Writes what the socket takes now; the rest waits, behind anything already waiting, for EPOLLOUT.
    fn send(&mut self, token: u64, bytes: &[u8]) {
        let Some(client) = self.clients.get_mut(&token) else { return };
        if !client.pending.is_empty() {
            client.pending.extend_from_slice(bytes);
            return;
        }
        let rest = write_some(&mut client.stream, bytes);
        if !rest.is_empty() {
            client.pending.extend_from_slice(rest);
            self.poller.control(EPOLL_CTL_MOD, client.stream.as_raw_fd(), EPOLLIN | EPOLLOUT, token);
        }
    }

    fn flush(&mut self, token: u64) {
        let Some(client) = self.clients.get_mut(&token) else { return };
        let pending = std::mem::take(&mut client.pending);
        client.pending = write_some(&mut client.stream, &pending).to_vec();
        if client.pending.is_empty() {
            self.poller.control(EPOLL_CTL_MOD, client.stream.as_raw_fd(), EPOLLIN, token);
        }
    }
}

/// Writes until the socket takes no more; returns what it did not take.
fn write_some<'a>(stream: &mut TcpStream, mut data: &'a [u8]) -> &'a [u8] {
    while !data.is_empty() {
        match stream.write(data) {
            Ok(n) => data = &data[n..],
            Err(_) => break,
        }
    }
    data
}
