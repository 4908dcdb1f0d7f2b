"""The trust boundary: what untrusted input (notebooks, project files, module files, model
replies, websocket frames) may and may not do. Each module here is one rule, used by every
front end; SECURITY.md says the same in prose."""
