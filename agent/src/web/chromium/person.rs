//! Playing the person in tests: a [`Person`] gets the sign-in page and types
//! into it the way a person does — a mouse click on the field, then one key
//! event per character — so the page's own scripts and the capture script
//! see exactly what they would see at the login window. Fields are found in
//! any frame (same- or cross-origin) and inside open shadow roots.
//!
//! The product never sets a person: a real one types into the visible window.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::dom::GetContentQuadsParams;
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, DispatchMouseEventParams,
    DispatchMouseEventType, MouseButton,
};
use chromiumoxide::cdp::browser_protocol::page::{CreateIsolatedWorldParams, FrameId, GetFrameTreeParams};
use chromiumoxide::cdp::js_protocol::runtime::{
    CallFunctionOnParams, EvaluateParams, ExecutionContextId, RemoteObjectId,
};
use tokio::sync::Mutex;

/// Why the scripted person could not act (a field never appeared…).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct PersonError(pub String);

/// Someone signing in: called once with the page as soon as the sign-in
/// starts; runs while Chromium waits for the redirect.
pub trait Person: Send + Sync {
    /// Act on `page` (type, click) until done.
    fn act(&self, page: PersonPage) -> Pin<Box<dyn Future<Output = Result<(), PersonError>> + Send>>;
}

impl<F, Fut> Person for F
where
    F: Fn(PersonPage) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), PersonError>> + Send + 'static,
{
    fn act(&self, page: PersonPage) -> Pin<Box<dyn Future<Output = Result<(), PersonError>> + Send>> {
        Box::pin(self(page))
    }
}

const WORLD: &str = "sesame-person";

/// Finds the first visible element matching a selector in `document` or any
/// open shadow root below it.
const DEEP_QUERY: &str = r#"(function (sel) {
  function visible(e) { return e.getClientRects().length > 0 && !e.disabled; }
  function find(root) {
    var hits = root.querySelectorAll(sel);
    for (var i = 0; i < hits.length; i++) { if (visible(hits[i])) return hits[i]; }
    var all = root.querySelectorAll("*");
    for (var j = 0; j < all.length; j++) {
      if (all[j].shadowRoot) { var r = find(all[j].shadowRoot); if (r) return r; }
    }
    return null;
  }
  return find(document);
})"#;

/// The sign-in page as the person sees it.
#[derive(Clone)]
pub struct PersonPage {
    page: Page,
    worlds: Arc<Mutex<HashMap<String, ExecutionContextId>>>,
    /// How long `wait_for` and the actions built on it wait for an element.
    pub patience: Duration,
}

impl std::fmt::Debug for PersonPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonPage").finish_non_exhaustive()
    }
}

fn err(what: impl std::fmt::Display) -> PersonError {
    PersonError(what.to_string())
}

impl PersonPage {
    pub(super) fn new(page: Page) -> Self {
        Self {
            page,
            worlds: Arc::default(),
            patience: Duration::from_secs(15),
        }
    }

    /// The top frame's URL.
    pub async fn url(&self) -> Result<String, PersonError> {
        Ok(self.page.url().await.map_err(err)?.unwrap_or_default())
    }

    /// Waits until an element matching `css` is visible in some frame.
    pub async fn wait_for(&self, css: &str) -> Result<RemoteObjectId, PersonError> {
        let deadline = Instant::now() + self.patience;
        loop {
            if let Some(found) = self.find(css).await {
                return Ok(found);
            }
            if Instant::now() > deadline {
                let url = self.url().await.unwrap_or_default();
                return Err(err(format!(
                    "no visible `{css}` within {:?} on {}",
                    self.patience,
                    super::super::without_query(&url)
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether `css` matches a visible element now, in some frame.
    pub async fn has(&self, css: &str) -> bool {
        self.find(css).await.is_some()
    }

    /// Clicks the element matching `css` with the mouse (at its centre).
    pub async fn click(&self, css: &str) -> Result<(), PersonError> {
        let el = self.wait_for(css).await?;
        self.click_object(el).await
    }

    /// Clicks into the field matching `css`, selects what it holds, and types
    /// `text` one key at a time.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), PersonError> {
        let el = self.wait_for(css).await?;
        self.click_object(el.clone()).await?;
        // Select the current content so typing replaces it (as a person would
        // with select-all); the characters themselves arrive as key events.
        let select = CallFunctionOnParams::builder()
            .object_id(el)
            .function_declaration("function () { if (this.select) this.select(); }")
            .build()
            .map_err(err)?;
        self.page.execute(select).await.map_err(err)?;
        for ch in text.chars() {
            let s = ch.to_string();
            let down = DispatchKeyEventParams::builder()
                .r#type(DispatchKeyEventType::KeyDown)
                .text(s.clone())
                .unmodified_text(s.clone())
                .key(s.clone())
                .build()
                .map_err(err)?;
            let up = DispatchKeyEventParams::builder()
                .r#type(DispatchKeyEventType::KeyUp)
                .key(s)
                .build()
                .map_err(err)?;
            self.page.execute(down).await.map_err(err)?;
            self.page.execute(up).await.map_err(err)?;
        }
        Ok(())
    }

    /// Presses Enter in whatever has the focus.
    pub async fn press_enter(&self) -> Result<(), PersonError> {
        for kind in [DispatchKeyEventType::KeyDown, DispatchKeyEventType::KeyUp] {
            let mut b = DispatchKeyEventParams::builder()
                .r#type(kind.clone())
                .key("Enter")
                .code("Enter")
                .windows_virtual_key_code(13)
                .native_virtual_key_code(13);
            if kind == DispatchKeyEventType::KeyDown {
                b = b.text("\r").unmodified_text("\r");
            }
            self.page.execute(b.build().map_err(err)?).await.map_err(err)?;
        }
        Ok(())
    }

    async fn click_object(&self, el: RemoteObjectId) -> Result<(), PersonError> {
        let scroll = CallFunctionOnParams::builder()
            .object_id(el.clone())
            .function_declaration("function () { this.scrollIntoView({block: 'center'}); }")
            .build()
            .map_err(err)?;
        self.page.execute(scroll).await.map_err(err)?;
        let quads = self
            .page
            .execute(GetContentQuadsParams::builder().object_id(el).build())
            .await
            .map_err(err)?;
        let quad = quads
            .result
            .quads
            .first()
            .map(|q| q.inner().clone())
            .ok_or_else(|| err("the element has no box to click"))?;
        if quad.len() < 8 {
            return Err(err("the element's box is malformed"));
        }
        let x = (quad[0] + quad[2] + quad[4] + quad[6]) / 4.0;
        let y = (quad[1] + quad[3] + quad[5] + quad[7]) / 4.0;
        for kind in [
            DispatchMouseEventType::MouseMoved,
            DispatchMouseEventType::MousePressed,
            DispatchMouseEventType::MouseReleased,
        ] {
            let pressed = kind != DispatchMouseEventType::MouseMoved;
            let mut b = DispatchMouseEventParams::builder().r#type(kind).x(x).y(y);
            if pressed {
                b = b.button(MouseButton::Left).click_count(1);
            }
            self.page.execute(b.build().map_err(err)?).await.map_err(err)?;
        }
        Ok(())
    }

    /// The element matching `css` in the first frame that has one.
    async fn find(&self, css: &str) -> Option<RemoteObjectId> {
        let tree = self.page.execute(GetFrameTreeParams::default()).await.ok()?;
        let mut frames = Vec::new();
        let mut stack = vec![tree.result.frame_tree];
        while let Some(t) = stack.pop() {
            frames.push(t.frame.id.clone());
            stack.extend(t.child_frames.unwrap_or_default());
        }
        let selector = serde_json::to_string(css).ok()?;
        for frame in frames {
            let Some(ctx) = self.world(&frame).await else {
                continue;
            };
            let eval = EvaluateParams::builder()
                .expression(format!("{DEEP_QUERY}({selector})"))
                .context_id(ctx)
                .build()
                .ok()?;
            match self.page.execute(eval).await {
                Ok(r) => {
                    if let Some(id) = r.result.result.object_id.clone()
                        && r.result.result.subtype.is_some_and(|s| format!("{s:?}") == "Node")
                    {
                        return Some(id);
                    }
                }
                // The frame navigated: its world is gone; make a new one next time.
                Err(_) => {
                    self.worlds.lock().await.remove(frame.as_ref());
                }
            }
        }
        None
    }

    async fn world(&self, frame: &FrameId) -> Option<ExecutionContextId> {
        let mut worlds = self.worlds.lock().await;
        if let Some(id) = worlds.get(frame.as_ref()) {
            return Some(*id);
        }
        let params = CreateIsolatedWorldParams::builder()
            .frame_id(frame.clone())
            .world_name(WORLD)
            .build()
            .ok()?;
        let r = self.page.execute(params).await.ok()?;
        worlds.insert(frame.as_ref().to_owned(), r.result.execution_context_id);
        Some(r.result.execution_context_id)
    }
}
