//! The timeline's geometry: where each lane, call, message and collective
//! lies on the canvas for a time window, computed apart from any drawing so
//! that it is tested natively and the page only paints it.
//!
//! It stays cheap at 64 ranks and 250 000 calls: calls narrower than a pixel
//! merge into their neighbour on the lane, and when more messages fall in the
//! window than can be told apart, an even sample of them is drawn (the scene
//! says how many).

use mpi_core::timeline::{Arrow, LaneEnd, Span, Timeline};
use mpi_core::trace::Category;
use std::collections::HashMap;

/// The most message arrows one frame draws.
pub const MAX_LINKS: usize = 3000;

/// Which part of the run the canvas shows, and its size in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// The time window, in seconds into the run.
    pub t0: f64,
    pub t1: f64,
    pub width: f64,
    /// Room at the left for lane labels, and at the top for the time axis.
    pub label_width: f64,
    pub top: f64,
    pub lane_height: f64,
}

impl Viewport {
    /// The run from its first recorded event (`first`) up to `now` across
    /// `width` pixels, with a little room at both ends.
    pub fn fit(first: f64, now: f64, width: f64, ranks: u32, height: f64) -> Self {
        let top = 18.0;
        let lane_height = ((height - top) / ranks.max(1) as f64).clamp(4.0, 28.0);
        let first = first.min(now);
        let pad = ((now - first) * 0.02).max(1e-4);
        Viewport { t0: (first - pad).max(0.0), t1: now + pad, width, label_width: 56.0, top, lane_height }
    }

    pub fn x(&self, t: f64) -> f64 {
        self.label_width + (t - self.t0) / (self.t1 - self.t0) * (self.width - self.label_width)
    }

    pub fn time_at(&self, x: f64) -> f64 {
        self.t0 + (x - self.label_width) / (self.width - self.label_width).max(1.0) * (self.t1 - self.t0)
    }

    /// Top of rank `r`'s lane.
    pub fn lane_y(&self, r: u32) -> f64 {
        self.top + r as f64 * self.lane_height
    }

    pub fn lane_at(&self, y: f64) -> Option<u32> {
        (y >= self.top).then(|| ((y - self.top) / self.lane_height) as u32)
    }

    /// Zooms by `factor` (< 1 zooms in) around the time at pixel `x`.
    pub fn zoom(&mut self, factor: f64, x: f64) {
        let at = self.time_at(x);
        let span = ((self.t1 - self.t0) * factor).max(1e-7);
        let left = (at - self.t0) / (self.t1 - self.t0);
        self.t0 = at - left * span;
        self.t1 = self.t0 + span;
    }

    /// Moves the window by `dx` pixels (positive: towards later times).
    pub fn pan(&mut self, dx: f64) {
        let dt = dx / (self.width - self.label_width).max(1.0) * (self.t1 - self.t0);
        self.t0 += dt;
        self.t1 += dt;
    }
}

/// A call drawn on a lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub rank: u32,
    pub x0: f64,
    pub x1: f64,
    pub category: Category,
    /// Still going on (drawn up to "now").
    pub open: bool,
}

/// A message drawn from its send to its receive.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub from: u32,
    pub to: u32,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

/// A collective drawn across the lanes of the ranks that took part.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub first: u32,
    pub last: u32,
    pub x0: f64,
    pub x1: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    pub bars: Vec<Bar>,
    pub links: Vec<Link>,
    pub bands: Vec<Band>,
    /// Where a lane ended and how.
    pub ends: Vec<(u32, f64, LaneEnd)>,
    /// A deadlock's wait-for cycle, drawn where it was found between the lanes.
    pub cycle: Vec<Link>,
    /// The calls the cycle's ranks were stuck in.
    pub stuck: Vec<Bar>,
    /// Messages in the window, of which `links` draws a sample.
    pub links_in_view: usize,
}

/// Lays out `timeline` for `vp`; open calls reach `now`.
pub fn scene(timeline: &Timeline, now: f64, vp: &Viewport) -> Scene {
    let mut out = Scene::default();
    let visible = |a: f64, b: f64| b >= vp.t0 && a <= vp.t1;
    let mut last_x: HashMap<u32, usize> = HashMap::new();
    let mut groups: HashMap<(u32, u32), Band> = HashMap::new();
    let spans = timeline.spans().map(|s| (s, false)).chain(timeline.open_spans().map(|s| (s, true)));
    for (s, open) in spans {
        let end = s.end.unwrap_or(now);
        if !visible(s.start, end) || s.rank >= timeline.ranks() {
            continue;
        }
        let (x0, x1) = (vp.x(s.start).max(vp.label_width), vp.x(end).min(vp.width));
        if let Some(g) = s.group.filter(|_| s.call.is_collective()) {
            let band = groups.entry(g).or_insert(Band { first: s.rank, last: s.rank, x0, x1 });
            (band.first, band.last) = (band.first.min(s.rank), band.last.max(s.rank));
            (band.x0, band.x1) = (band.x0.min(x0), band.x1.max(x1));
        }
        // A call under a pixel wide joins the bar before it on its lane.
        if let Some(&i) = last_x.get(&s.rank) {
            let prev = &mut out.bars[i];
            if x1 - x0 < 1.0 && x0 - prev.x1 < 1.0 {
                prev.x1 = prev.x1.max(x1);
                prev.open |= open;
                continue;
            }
        }
        last_x.insert(s.rank, out.bars.len());
        out.bars.push(Bar { rank: s.rank, x0, x1: x1.max(x0 + 1.0), category: s.call.category(), open });
    }
    out.bands = groups.into_values().filter(|b| b.last > b.first).collect();
    out.bands.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let mid = |r: u32| vp.lane_y(r) + vp.lane_height / 2.0;
    let in_view: Vec<&Arrow> = timeline.arrows().filter(|a| visible(a.sent, a.received)).collect();
    out.links_in_view = in_view.len();
    let stride = in_view.len().div_ceil(MAX_LINKS).max(1);
    out.links = in_view
        .iter()
        .step_by(stride)
        .map(|a| Link {
            from: a.from,
            to: a.to,
            x0: vp.x(a.sent),
            y0: mid(a.from),
            x1: vp.x(a.received),
            y1: mid(a.to),
        })
        .collect();
    out.ends = (0..timeline.ranks())
        .filter_map(|r| timeline.lane_end(r).map(|(t, how)| (r, vp.x(t), how)))
        .filter(|(_, x, _)| *x <= vp.width)
        .collect();
    let cycle = &timeline.cycle;
    let at = timeline.deadlock_at.unwrap_or(now);
    let x = vp.x(at.min(vp.t1)).min(vp.width);
    out.stuck = cycle
        .iter()
        .filter_map(|&r| timeline.stuck_in(r))
        .filter(|s| visible(s.start, s.end.unwrap_or(now)))
        .map(|s| Bar {
            rank: s.rank,
            x0: vp.x(s.start).max(vp.label_width),
            x1: vp.x(s.end.unwrap_or(now)).min(vp.width),
            category: s.call.category(),
            open: s.end.is_none(),
        })
        .collect();
    out.cycle = cycle
        .iter()
        .zip(cycle.iter().cycle().skip(1))
        .map(|(&from, &to)| Link { from, to, x0: x, y0: mid(from), x1: x, y1: mid(to) })
        .collect();
    out
}

/// The call under pixel (`x`, `y`), within a few pixels.
pub fn span_at<'a>(timeline: &'a Timeline, now: f64, vp: &Viewport, x: f64, y: f64) -> Option<&'a Span> {
    let lane = vp.lane_at(y)?;
    let slack = 3.0 / (vp.width - vp.label_width).max(1.0) * (vp.t1 - vp.t0);
    let t = vp.time_at(x);
    timeline
        .spans()
        .chain(timeline.open_spans())
        .filter(|s| s.rank == lane && s.start - slack <= t && t <= s.end.unwrap_or(now) + slack)
        .min_by(|a, b| (a.end.unwrap_or(now) - a.start).total_cmp(&(b.end.unwrap_or(now) - b.start)))
}

/// The message whose arrow passes within 4 pixels of (`x`, `y`).
pub fn arrow_at<'a>(timeline: &'a Timeline, vp: &Viewport, x: f64, y: f64) -> Option<&'a Arrow> {
    let mid = |r: u32| vp.lane_y(r) + vp.lane_height / 2.0;
    timeline
        .arrows()
        .map(|a| (a, distance((x, y), (vp.x(a.sent), mid(a.from)), (vp.x(a.received), mid(a.to)))))
        .filter(|(_, d)| *d <= 4.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(a, _)| a)
}

fn distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mpi_core::trace::{Call, Kind, TraceEvent};

    fn ev(kind: Kind, call: Call, time: f64, peer: i32) -> TraceEvent {
        let mut e = TraceEvent::new(kind, call, time);
        (e.peer, e.tag) = (peer, 0);
        e
    }

    /// Four ranks passing a token round a ring, then an allreduce.
    fn ring() -> Timeline {
        let mut t = Timeline::new(4, 1000);
        for r in 0..4u32 {
            let at = r as f64;
            let next = ((r + 1) % 4) as i32;
            t.add(r, ev(Kind::Begin, Call::Send, at + 0.5, next));
            t.add(r, ev(Kind::Sent, Call::Send, at + 0.5, next));
            t.add(r, ev(Kind::End, Call::Send, at + 0.6, -1));
            t.add(next as u32, ev(Kind::Received, Call::Recv, at + 0.7, r as i32));
        }
        for r in 0..4 {
            t.add(r, ev(Kind::Begin, Call::Allreduce, 5.0, -1));
            t.add(r, ev(Kind::End, Call::Allreduce, 6.0, -1));
        }
        t
    }

    #[test]
    fn a_ring_draws_one_arrow_between_each_pair_of_neighbouring_lanes() {
        let t = ring();
        let vp = Viewport::fit(0.0, 8.0, 856.0, 4, 130.0);
        let s = scene(&t, 8.0, &vp);
        let mut pairs: Vec<(u32, u32)> = s.links.iter().map(|l| (l.from, l.to)).collect();
        pairs.sort();
        assert_eq!(pairs, [(0, 1), (1, 2), (2, 3), (3, 0)]);
        let l = &s.links[0];
        assert!(l.x1 > l.x0, "an arrow goes forward in time");
        assert_eq!((l.y0, l.y1), (vp.lane_y(l.from) + vp.lane_height / 2.0, vp.lane_y(l.to) + vp.lane_height / 2.0));
        assert_eq!(s.bands.len(), 1, "the allreduce is one group");
        assert_eq!((s.bands[0].first, s.bands[0].last), (0, 3));
        assert_eq!(s.bars.iter().filter(|b| b.category == Category::Collective).count(), 4);
    }

    #[test]
    fn zooming_in_keeps_the_time_under_the_cursor_and_culls_what_left_the_window() {
        let t = ring();
        let mut vp = Viewport::fit(0.0, 8.0, 856.0, 4, 130.0);
        let x = vp.x(0.5);
        vp.zoom(0.05, x);
        assert!((vp.time_at(x) - 0.5).abs() < 1e-9);
        let s = scene(&t, 8.0, &vp);
        assert_eq!(s.links.iter().map(|l| (l.from, l.to)).collect::<Vec<_>>(), [(0, 1)]);
        assert!(s.bands.is_empty());
        vp.pan(vp.x(4.0) - vp.x(0.0));
        let s = scene(&t, 8.0, &vp);
        assert!(s.links.iter().all(|l| l.from == 3 || l.from == 0), "{:?}", s.links);
    }

    #[test]
    fn many_messages_are_sampled_and_tiny_calls_merge() {
        let mut t = Timeline::new(2, 300_000);
        for i in 0..100_000 {
            let at = i as f64 * 1e-5;
            t.add(0, ev(Kind::Begin, Call::Send, at, 1));
            t.add(0, ev(Kind::Sent, Call::Send, at, 1));
            t.add(0, ev(Kind::End, Call::Send, at + 2e-6, -1));
            t.add(1, ev(Kind::Received, Call::Recv, at + 5e-6, 0));
        }
        let vp = Viewport::fit(0.0, 1.0, 1056.0, 2, 100.0);
        let s = scene(&t, 1.0, &vp);
        assert_eq!(s.links_in_view, 100_000);
        assert!(s.links.len() <= MAX_LINKS && s.links.len() > MAX_LINKS / 2, "{}", s.links.len());
        assert!(s.bars.len() <= 1000, "100 000 sends on 1000 pixels make at most a bar a pixel: {}", s.bars.len());
    }

    #[test]
    fn hovering_finds_the_call_and_the_message_and_a_cycle_is_drawn() {
        let mut t = ring();
        t.add(1, ev(Kind::Begin, Call::Recv, 7.0, 2));
        t.add(2, ev(Kind::Begin, Call::Recv, 7.0, 1));
        t.deadlock(vec![1, 2], 7.5);
        t.rank_ended(1, 8.0, LaneEnd::Stopped);
        let vp = Viewport::fit(0.0, 8.0, 856.0, 4, 130.0);
        let y = |r| vp.lane_y(r) + vp.lane_height / 2.0;
        let span = span_at(&t, 8.0, &vp, vp.x(5.5), y(2)).expect("the allreduce");
        assert_eq!((span.rank, span.call), (2, Call::Allreduce));
        let open = span_at(&t, 8.0, &vp, vp.x(7.5), y(2)).expect("the open recv");
        assert_eq!((open.call, open.end), (Call::Recv, None));
        let arrow = arrow_at(&t, &vp, (vp.x(1.5) + vp.x(1.7)) / 2.0, (y(1) + y(2)) / 2.0).expect("1 -> 2");
        assert_eq!((arrow.from, arrow.to), (1, 2));
        let s = scene(&t, 8.0, &vp);
        assert_eq!(s.cycle.iter().map(|l| (l.from, l.to)).collect::<Vec<_>>(), [(1, 2), (2, 1)]);
        assert_eq!(s.bars.iter().filter(|b| b.open).count(), 1, "rank 1's recv ended with its lane");
        let stuck: Vec<(u32, f64)> = s.stuck.iter().map(|b| (b.rank, b.x0)).collect();
        assert_eq!(stuck, [(1, vp.x(7.0)), (2, vp.x(7.0))], "both recvs are outlined");
    }
}
