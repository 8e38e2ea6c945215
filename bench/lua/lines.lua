-- Sends the requests listed in a file, one per line, in order:
--   METHOD <tab> PATH <tab> AUTHORIZATION <tab> CONTENT-TYPE <tab> BODY
-- "{nonce}" in a body becomes a value no other request of the run carries (a scan's nonce).
-- Arguments after "--": the file, then "wrap" (start over at the end) or "stop" (end the run there,
-- for scenarios whose every request must be new, such as first check-ins of distinct badges).
local list, index, sent, at_end = {}, 0, 0, "wrap"

function init(args)
  for line in io.lines(args[1]) do
    local method, path, authorization, content_type, body =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if authorization ~= "" then headers["Authorization"] = authorization end
    if content_type ~= "" then headers["Content-Type"] = content_type end
    for name, value in pairs(wrk.headers) do headers[name] = value end
    list[#list + 1] = { method = method, path = path, headers = headers, body = body }
  end
  at_end = args[2] or "wrap"
  math.randomseed(os.time())
end

function request()
  index = index + 1
  if index > #list then
    if at_end == "stop" then
      wrk.thread:stop()
    end
    index = 1
  end
  sent = sent + 1
  local item = list[index]
  local body = item.body
  if body ~= "" then
    body = body:gsub("{nonce}", string.format("%08x%08x", sent, math.random(0, 2147483647)))
  else
    body = nil
  end
  return wrk.format(item.method, item.path, item.headers, body)
end
