-- Weft for Neovim (0.7 or later): the `weft` filetype for *.weft files and `weft lsp`
-- attached to every Weft buffer (diagnostics, hover, go to definition, document symbols,
-- completion after `.`, formatting).
--
-- Put this folder on the runtime path and call setup, e.g. in init.lua:
--   vim.opt.runtimepath:append("/path/to/weft/editors/nvim")
--   require("weft").setup({ cmd = { "weft", "lsp" } })
local M = {}

local function start(cmd, bufnr)
  local root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":p:h")
  local config = { name = "weft", cmd = cmd, root_dir = root }
  if vim.lsp.start then -- Neovim 0.8+: reuses a running client with the same name and root.
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  M.clients = M.clients or {}
  local id = M.clients[root]
  if not id or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(config)
    M.clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { "weft", "lsp" }
  local group = vim.api.nvim_create_augroup("weft", { clear = true })
  vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
    group = group,
    pattern = "*.weft",
    callback = function(args)
      vim.bo[args.buf].filetype = "weft"
    end,
  })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "weft",
    callback = function(args)
      vim.bo[args.buf].commentstring = "// %s"
      start(cmd, args.buf)
    end,
  })
end

return M
