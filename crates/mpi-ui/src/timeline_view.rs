//! The "Messages" panel: the rank-status table and the timeline canvas.
//!
//! While the panel is open the runtime records the run's trace (it costs
//! nothing closed). It follows the run live, fitting the whole run so far;
//! after the run (or once the user zooms with the wheel or drags to pan) it
//! keeps the window the user chose until "Fit". Hovering a call or a
//! message says what it was; a click keeps that line. "Export trace" saves
//! the run as Chrome trace-event JSON, which Perfetto opens.

use crate::runner::Playground;
use crate::runner::observe::{Observation, StatusRow};
use crate::scene::{self, Scene, Viewport};
use mpi_core::state::comm_name;
use mpi_core::timeline::{Arrow, LaneEnd, Span, Timeline};
use mpi_core::trace::Category;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

/// How often the open panel looks for news while a run goes on.
const REFRESH_MS: u32 = 100;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub playground: Playground,
    pub dark: bool,
}

/// Height of one lane for `ranks` lanes: the canvas stays about 320 pixels.
fn lane_height(ranks: u32) -> f64 {
    (320.0 / ranks.max(1) as f64).clamp(5.0, 22.0)
}

#[function_component(MessagesPanel)]
pub fn messages_panel(props: &PanelProps) -> Html {
    let playground = props.playground.clone();
    // Record while the panel is open.
    {
        let playground = playground.clone();
        use_effect_with((), move |_| {
            playground.set_recording(true);
            move || playground.set_recording(false)
        });
    }
    // Re-render when the observation moved.
    let revision = use_state(|| (0usize, 0u64));
    {
        let (playground, revision) = (playground.clone(), revision.clone());
        use_effect_with((), move |_| {
            let interval = gloo_timers::callback::Interval::new(REFRESH_MS, move || {
                let key = playground.observation().map(|o| (std::rc::Rc::as_ptr(&o) as usize, o.borrow().revision));
                if let Some(key) = key
                    && key != *revision
                {
                    revision.set(key);
                }
            });
            move || drop(interval)
        });
    }
    let canvas = use_node_ref();
    // `None`: follow the run (fit it all); `Some`: the window the user chose.
    let chosen = use_mut_ref(|| None::<Viewport>);
    let redraw = use_state(|| 0u32);
    let hovered = use_state(|| None::<String>);
    let pinned = use_state(|| None::<String>);
    let drag = use_mut_ref(|| None::<f64>);
    let observation = playground.observation();

    // Paint after every render.
    {
        let (canvas, chosen, observation, dark) = (canvas.clone(), chosen.clone(), observation.clone(), props.dark);
        use_effect(move || {
            if let (Some(c), Some(o)) = (canvas.cast::<HtmlCanvasElement>(), observation) {
                let o = o.borrow();
                let vp = viewport(&c, &o, *chosen.borrow());
                paint(&c, &o, &vp, dark);
            }
        });
    }

    let Some(obs) = observation else {
        return html! {
            <section id="messages" class="messages" aria-label="Messages">
                <p class="muted">{ "Run a script: each rank's state and every message it sends show here." }</p>
            </section>
        };
    };
    let o = obs.borrow();
    let ranks = o.timeline.ranks();

    let at_pointer = {
        let (canvas, chosen, obs) = (canvas.clone(), chosen.clone(), obs.clone());
        move |e: &MouseEvent| -> Option<(Viewport, f64, f64)> {
            let c = canvas.cast::<HtmlCanvasElement>()?;
            let vp = viewport(&c, &obs.borrow(), *chosen.borrow());
            Some((vp, e.offset_x() as f64, e.offset_y() as f64))
        }
    };
    let describe_at = {
        let obs = obs.clone();
        move |vp: &Viewport, x: f64, y: f64| -> Option<String> {
            let o = obs.borrow();
            scene::arrow_at(&o.timeline, vp, x, y)
                .map(describe_arrow)
                .or_else(|| scene::span_at(&o.timeline, o.now, vp, x, y).map(|s| describe_span(s, o.now)))
        }
    };
    let on_move = {
        let (at_pointer, describe_at, hovered, drag, chosen, redraw) =
            (at_pointer.clone(), describe_at.clone(), hovered.clone(), drag.clone(), chosen.clone(), redraw.clone());
        Callback::from(move |e: MouseEvent| {
            let Some((vp, x, y)) = at_pointer(&e) else { return };
            let grabbed = *drag.borrow();
            if let Some(from) = grabbed {
                let mut moved = vp;
                moved.pan(from - x);
                *chosen.borrow_mut() = Some(moved);
                *drag.borrow_mut() = Some(x);
                redraw.set(*redraw + 1);
                return;
            }
            hovered.set(describe_at(&vp, x, y));
        })
    };
    let on_down = {
        let drag = drag.clone();
        Callback::from(move |e: MouseEvent| *drag.borrow_mut() = Some(e.offset_x() as f64))
    };
    let on_up = {
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| *drag.borrow_mut() = None)
    };
    let on_leave = {
        let (drag, hovered) = (drag.clone(), hovered.clone());
        Callback::from(move |_: MouseEvent| {
            *drag.borrow_mut() = None;
            hovered.set(None);
        })
    };
    let on_click = {
        let (at_pointer, pinned) = (at_pointer.clone(), pinned.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some((vp, x, y)) = at_pointer(&e) {
                pinned.set(describe_at(&vp, x, y));
            }
        })
    };
    let on_wheel = {
        let (canvas, chosen, obs, redraw) = (canvas.clone(), chosen.clone(), obs.clone(), redraw.clone());
        Callback::from(move |e: WheelEvent| {
            let Some(c) = canvas.cast::<HtmlCanvasElement>() else { return };
            e.prevent_default();
            let mut vp = viewport(&c, &obs.borrow(), *chosen.borrow());
            vp.zoom(if e.delta_y() > 0.0 { 1.25 } else { 0.8 }, e.offset_x() as f64);
            *chosen.borrow_mut() = Some(vp);
            redraw.set(*redraw + 1);
        })
    };
    let on_fit = {
        let (chosen, redraw) = (chosen.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            *chosen.borrow_mut() = None;
            redraw.set(*redraw + 1);
        })
    };
    let on_export = {
        let obs = obs.clone();
        Callback::from(move |_: MouseEvent| {
            crate::app::download_file(
                "mpi-playground-trace.json",
                "application/json",
                &obs.borrow().timeline.to_chrome_trace(),
            )
        })
    };
    let details = (*hovered).clone().or_else(|| (*pinned).clone());
    let height = scene::Viewport::fit(0.0, 1.0, 100.0, ranks, 0.0).top + lane_height(ranks) * ranks as f64;
    let notes = notes(&o);
    html! {
        <section id="messages" class="messages" aria-label="Messages">
            <div class="status-table-wrap">
                <table id="rank-status" class="rank-status">
                    <thead><tr>
                        <th>{ "Rank" }</th><th>{ "State" }</th><th>{ "Line" }</th><th>{ "For" }</th>
                        <th>{ "Sent" }</th><th>{ "Received" }</th>
                    </tr></thead>
                    <tbody>
                        { for o.rows.iter().enumerate().map(|(r, row)| status_row(r as u32, row, &o)) }
                    </tbody>
                </table>
            </div>
            <div class="timeline-tools" role="toolbar" aria-label="Timeline">
                <span class="legend">
                    { for LEGEND.iter().map(|(cat, name)| html! {
                        <span class="key"><span class="swatch" style={format!("background: {}", color(*cat, props.dark))} />{ *name }</span>
                    }) }
                </span>
                <span class="spacer" />
                { for notes.iter().map(|n| html! { <span class="timeline-note">{ n.clone() }</span> }) }
                <button id="timeline-fit" onclick={on_fit} title="Show the whole run">{ "Fit" }</button>
                <button id="timeline-export" onclick={on_export} title="Save as Chrome trace-event JSON (opens in ui.perfetto.dev)">{ "Export trace" }</button>
            </div>
            <canvas id="timeline" ref={canvas} style={format!("height: {height}px")}
                onmousemove={on_move} onmousedown={on_down} onmouseup={on_up} onmouseleave={on_leave}
                onclick={on_click} onwheel={on_wheel} />
            <div id="timeline-details" class="timeline-details" role="status">
                { details.unwrap_or_else(|| "Hover a call or an arrow to see it; scroll to zoom, drag to pan.".to_owned()) }
            </div>
        </section>
    }
}

const LEGEND: [(Category, &str); 6] = [
    (Category::Send, "send"),
    (Category::Recv, "receive"),
    (Category::Wait, "wait"),
    (Category::Barrier, "barrier"),
    (Category::Collective, "collective"),
    (Category::Communicator, "communicator"),
];

fn notes(o: &Observation) -> Vec<String> {
    let mut notes = Vec::new();
    if o.timeline.dropped > 0 {
        notes.push(format!("{} earliest events dropped", o.timeline.dropped));
    }
    if !o.recording && o.timeline.spans().next().is_none() {
        notes.push("not recorded".to_owned());
    }
    notes
}

fn status_row(r: u32, row: &StatusRow, o: &Observation) -> Html {
    let kind = match row.status.state.activity {
        mpi_core::Activity::Blocked => "blocked",
        mpi_core::Activity::Done => "done",
        mpi_core::Activity::Failed => "failed",
        _ => "running",
    };
    let s = &row.status;
    html! {
        <tr data-rank={r.to_string()} data-state={kind} class={kind}>
            <td>{ r }</td>
            <td class="state">{ row.state.clone() }</td>
            <td>{ if s.line > 0 { s.line.to_string() } else { "–".to_owned() } }</td>
            <td>{ duration(o.now - row.since) }</td>
            <td>{ format!("{} · {}", s.msgs_sent, bytes(s.bytes_sent)) }</td>
            <td>{ format!("{} · {}", s.msgs_received, bytes(s.bytes_received)) }</td>
        </tr>
    }
}

fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn describe_span(s: &Span, now: f64) -> String {
    let mut text = format!("rank {} · {}", s.rank, s.call.name());
    if s.line > 0 {
        text += &format!(" · line {}", s.line);
    }
    if s.peer >= 0 {
        let role = match s.call.category() {
            Category::Send => "to rank",
            Category::Recv => "from rank",
            _ => "root",
        };
        text += &format!(" · {role} {}", s.peer);
    }
    if s.tag >= 0 {
        text += &format!(" · tag {}", s.tag);
    }
    text += &format!(" · {}", comm_name(s.ctx));
    if s.bytes > 0 {
        text += &format!(" · {}", bytes(s.bytes));
    }
    match s.end {
        Some(end) => text + &format!(" · {}", duration(end - s.start)),
        None => text + &format!(" · still in it after {}", duration(now - s.start)),
    }
}

fn describe_arrow(a: &Arrow) -> String {
    let mut text = format!(
        "message rank {} → rank {} · tag {} · {} · {} · sent at line {}, received at line {} after {}",
        a.from,
        a.to,
        a.tag,
        comm_name(a.ctx),
        bytes(a.bytes),
        a.send_line,
        a.recv_line,
        duration(a.received - a.sent)
    );
    if !a.preview.is_empty() {
        text += &format!(" · {}", a.preview);
    }
    text
}

/// The window to draw: the user's, or the whole run so far.
fn viewport(c: &HtmlCanvasElement, o: &Observation, chosen: Option<Viewport>) -> Viewport {
    let width = (c.client_width() as f64).max(200.0);
    let ranks = o.timeline.ranks();
    let first = o.timeline.first_time.unwrap_or(0.0);
    let mut fit = Viewport::fit(first, o.now, width, ranks, 0.0);
    fit.lane_height = lane_height(ranks);
    match chosen {
        Some(vp) => Viewport { width, ..vp },
        None => fit,
    }
}

fn color(c: Category, dark: bool) -> &'static str {
    match (c, dark) {
        (Category::Send, false) => "#e08a1e",
        (Category::Send, true) => "#f0a848",
        (Category::Recv, false) => "#2f7fd0",
        (Category::Recv, true) => "#5aa2ea",
        (Category::Wait, false) => "#7d62c4",
        (Category::Wait, true) => "#a08ae0",
        (Category::Barrier, false) => "#c0392b",
        (Category::Barrier, true) => "#e3675a",
        (Category::Collective, false) => "#2e9b57",
        (Category::Collective, true) => "#4cc27a",
        (Category::Communicator, false) => "#7f8c8d",
        (Category::Communicator, true) => "#a3b0b1",
    }
}

/// Paints `o`'s timeline for `vp` on the canvas, sized to its CSS box.
fn paint(c: &HtmlCanvasElement, o: &Observation, vp: &Viewport, dark: bool) {
    let Some(ctx) = c.get_context("2d").ok().flatten().and_then(|x| x.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
    let (w, h) = (vp.width, c.client_height() as f64);
    c.set_width((w * ratio) as u32);
    c.set_height((h * ratio) as u32);
    let _ = ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
    let (fg, muted, lane_bg, grid) =
        if dark { ("#e6e8eb", "#9aa4ae", "#1f262e", "#2b333c") } else { ("#1d232a", "#5b6570", "#eef1f4", "#dde2e7") };
    ctx.clear_rect(0.0, 0.0, w, h);
    let t = &o.timeline;
    let s: Scene = scene::scene(t, o.now, vp);
    c.set_attribute("data-links", &s.links.len().to_string()).ok();
    c.set_attribute("data-links-in-view", &s.links_in_view.to_string()).ok();
    c.set_attribute("data-bars", &s.bars.len().to_string()).ok();

    // Time axis.
    ctx.set_font("10px system-ui, sans-serif");
    ctx.set_fill_style_str(muted);
    ctx.set_stroke_style_str(grid);
    ctx.set_line_width(1.0);
    let step = nice_step((vp.t1 - vp.t0) / 8.0);
    let mut tick = (vp.t0 / step).ceil() * step;
    while tick <= vp.t1 {
        let x = vp.x(tick);
        ctx.begin_path();
        ctx.move_to(x, vp.top - 4.0);
        ctx.line_to(x, h);
        ctx.stroke();
        let _ = ctx.fill_text(&duration(tick), x + 2.0, 10.0);
        tick += step;
    }
    // Lanes: running Python until the rank's end, then how it ended.
    for r in 0..t.ranks() {
        let y = vp.lane_y(r);
        let end = t.lane_end(r);
        let x_end = end.map_or(vp.x(o.now), |(at, _)| vp.x(at)).clamp(vp.label_width, w);
        ctx.set_fill_style_str(lane_bg);
        ctx.fill_rect(
            vp.x(0.0).max(vp.label_width),
            y + 1.0,
            x_end - vp.x(0.0).max(vp.label_width),
            vp.lane_height - 2.0,
        );
        if let Some((_, how)) = end {
            let tint = match how {
                LaneEnd::Done => "rgba(127,140,141,0.25)",
                LaneEnd::Failed => "rgba(192,57,43,0.35)",
                LaneEnd::Stopped => "rgba(224,138,30,0.25)",
            };
            ctx.set_fill_style_str(tint);
            ctx.fill_rect(x_end, y + 1.0, w - x_end, vp.lane_height - 2.0);
        }
        if vp.lane_height >= 9.0 || r % 4 == 0 {
            ctx.set_fill_style_str(fg);
            let _ = ctx.fill_text(&format!("rank {r}"), 4.0, y + vp.lane_height / 2.0 + 3.5);
        }
    }
    // Collectives, then the calls.
    for b in &s.bands {
        ctx.set_fill_style_str("rgba(46,155,87,0.12)");
        let (y0, y1) = (vp.lane_y(b.first), vp.lane_y(b.last + 1));
        ctx.fill_rect(b.x0, y0, b.x1 - b.x0, y1 - y0);
    }
    for b in &s.bars {
        ctx.set_fill_style_str(color(b.category, dark));
        ctx.fill_rect(b.x0, vp.lane_y(b.rank) + 2.0, b.x1 - b.x0, (vp.lane_height - 4.0).max(1.0));
    }
    // Messages.
    ctx.set_stroke_style_str(if dark { "rgba(230,232,235,0.55)" } else { "rgba(29,35,42,0.55)" });
    ctx.set_line_width(1.0);
    for l in &s.links {
        arrow(&ctx, l.x0, l.y0, l.x1, l.y1, 4.0);
    }
    // A deadlock's cycle: its ranks' open calls outlined, and who waits for whom.
    if !s.cycle.is_empty() {
        ctx.set_stroke_style_str("#e02424");
        ctx.set_line_width(2.0);
        for b in &s.stuck {
            ctx.stroke_rect(b.x0, vp.lane_y(b.rank) + 1.0, b.x1 - b.x0, vp.lane_height - 2.0);
        }
        for (i, l) in s.cycle.iter().enumerate() {
            // Side by side, so that two ranks waiting for each other show two arrows.
            let dx = 6.0 + 5.0 * i as f64;
            arrow(&ctx, l.x0 - dx, l.y0, l.x1 - dx, l.y1, 6.0);
        }
    }
}

fn arrow(ctx: &CanvasRenderingContext2d, x0: f64, y0: f64, x1: f64, y1: f64, head: f64) {
    ctx.begin_path();
    ctx.move_to(x0, y0);
    ctx.line_to(x1, y1);
    let angle = (y1 - y0).atan2(x1 - x0);
    for side in [-0.45f64, 0.45] {
        ctx.move_to(x1, y1);
        ctx.line_to(x1 - head * (angle + side).cos(), y1 - head * (angle + side).sin());
    }
    ctx.stroke();
}

/// 1, 2 or 5 times a power of ten, at least `rough`.
fn nice_step(rough: f64) -> f64 {
    let p = 10f64.powf(rough.max(1e-9).log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).find(|s| *s >= rough).unwrap_or(10.0 * p)
}

/// What the browser tests read of the panel (`mpiPlayground.timeline()`).
pub fn summary(o: &Observation) -> serde_json::Value {
    let t: &Timeline = &o.timeline;
    let spans: Vec<serde_json::Value> = t
        .spans()
        .chain(t.open_spans())
        .take(5000)
        .map(|s| {
            serde_json::json!({"rank": s.rank, "call": s.call.name(), "line": s.line, "peer": s.peer,
            "open": s.end.is_none()})
        })
        .collect();
    let arrows: Vec<serde_json::Value> = t
        .arrows()
        .take(5000)
        .map(|a| {
            serde_json::json!({"from": a.from, "to": a.to, "bytes": a.bytes, "tag": a.tag,
            "sendLine": a.send_line, "recvLine": a.recv_line, "preview": a.preview})
        })
        .collect();
    let rows: Vec<serde_json::Value> = o
        .rows
        .iter()
        .map(|r| {
            serde_json::json!({"state": r.state, "line": r.status.line, "msgsSent": r.status.msgs_sent,
            "bytesSent": r.status.bytes_sent, "msgsReceived": r.status.msgs_received,
            "bytesReceived": r.status.bytes_received})
        })
        .collect();
    serde_json::json!({"recording": o.recording, "running": o.running, "ranks": t.ranks(),
        "spanCount": t.spans().count() + t.open_spans().count(), "arrowCount": t.arrows().count(),
        "spans": spans, "arrows": arrows, "cycle": t.cycle, "dropped": t.dropped, "status": rows})
}
