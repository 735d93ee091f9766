-- :CodeoriginStatus for codeorigin.lua: a few lines from the server's codeorigin.status answer
-- (the model, its thresholds per language, whether the buffer is scored, the cache and timings),
-- or, with !, the whole answer in a scratch buffer. Loaded by codeorigin.lua with loadfile; it must
-- work on Neovim 0.10 too (lspconfig.lua's route).

local M = {}

--- `value`, or nil for JSON null (vim.NIL): codeorigin.lua's, passed as this chunk's argument.
local given = ...

--- A probability as a percentage ("84%"), or "?" for none.
local function percent(p)
  p = given(p)
  return type(p) == 'number' and ('%d%%'):format(math.floor(p * 100 + 0.5)) or '?'
end

--- Seconds, briefly ("0.20 s"), or "?" for none.
local function seconds(s)
  s = given(s)
  return type(s) == 'number' and ('%.2f s'):format(s) or '?'
end

--- What the document's language and state mean for its verdicts, from codeorigin.status.
local function document_line(document)
  document = given(document)
  if document == nil then
    return 'this buffer: not open in the server'
  end
  local language = given(document.language) or 'no language'
  local skipped = given(document.skipped)
  if skipped == 'model' then
    return ('this buffer (%s): not scored, as there is no model'):format(language)
  elseif skipped then
    local reason = given(document.reason)
    return ('this buffer (%s): not scored, %s%s'):format(
      language, skipped, reason and ': ' .. reason or '')
  end
  local not_judged = given(document.not_judged)
  if not_judged then
    return ('this buffer (%s): scored, but %s'):format(language, not_judged)
  end
  return ('this buffer (%s): scored'):format(language)
end

--- The model's thresholds as percentages: those of the document's language, and each language's.
local function thresholds_line(model)
  local by_language = {}
  local modules = given(model.module_thresholds_by_language) or {}
  for language, p in vim.spairs(given(model.thresholds_by_language) or {}) do
    local module = given(modules[language])
    table.insert(by_language, ('%s %s%s'):format(language, percent(p),
      module and (' (module code %s)'):format(percent(module)) or ''))
  end
  local language = given(model.threshold_language)
  if language and given(model.threshold) == nil then
    return ('threshold for %s: none, the model does not judge it'):format(language)
  end
  return ('threshold%s: likely LLM from %s, uncertain from %s%s'):format(
    language and ' for ' .. language or '',
    percent(model.threshold),
    percent(model.uncertain),
    #by_language > 0 and ' (per language: ' .. table.concat(by_language, ', ') .. ')' or ''
  )
end

--- A few lines from codeorigin.status: the model, its thresholds, the document, the cache and
--- timings. :CodeoriginStatus! shows all of it (the digest, the counters, every timing).
function M.summary(status)
  local model = given(status.model) or {}
  local loaded = given(model.name) ~= nil
  local threads = given(status.threads)
  local lines = {
    ('codeorigin: model %s (%s), %s thread%s'):format(
      given(model.name) or 'not loaded', given(model.path) or '?', threads or '?',
      threads == 1 and '' or 's'
    ),
  }
  if given(status.error) then
    table.insert(lines, 'model error: ' .. tostring(status.error))
  end
  if loaded then
    table.insert(lines, thresholds_line(model))
  end
  if status.document ~= nil then
    table.insert(lines, document_line(status.document))
  end
  if loaded then
    local cache, counts = given(status.cache) or {}, given(status.counts) or {}
    local timings = given(status.timings) or {}
    table.insert(lines, ('cache %s of %s; %s spans scored, %s from the cache; model load %s, '
      .. 'last document %s'):format(
      cache.size or 0, cache.max or 0, counts.spans_scored or 0, counts.cache_hits or 0,
      seconds(timings.model_load_seconds), seconds(timings.last_document_seconds)
    ))
  end
  return table.concat(lines, '\n')
end

--- The whole of codeorigin.status in a scratch buffer, for :CodeoriginStatus!.
function M.show_in_scratch(status)
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(vim.inspect(status), '\n'))
  vim.bo[buf].filetype = 'lua'
  vim.bo[buf].modifiable = false
end

return M
