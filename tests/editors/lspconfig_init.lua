-- The nvim-lspconfig route for test_neovim.py, used as `nvim -u` with vim.g.codeorigin_test_config
-- naming editors/nvim/lspconfig.lua (or a copy of it). With $CODEORIGIN_NVIM_LSPCONFIG (a checkout
-- of nvim-lspconfig that still has its `require('lspconfig')` framework) that plugin is used; else
-- a stand-in for the part of the framework lspconfig.lua uses: `configs.<name> = { default_config }`
-- registers a server, `util.root_pattern` finds a root, and `require('lspconfig').<name>.setup(opts)`
-- starts it (vim.lsp.start) for each buffer of its filetypes, with opts.on_attach.
local plugin = vim.env.CODEORIGIN_NVIM_LSPCONFIG
if plugin and plugin ~= '' then
  vim.opt.rtp:prepend(plugin)
else
  local configs, util = {}, {}

  function util.root_pattern(...)
    local markers = { ... }
    return function(path)
      local found = vim.fs.find(markers, { path = vim.fs.dirname(path), upward = true })[1]
      return found and vim.fs.dirname(found) or nil
    end
  end

  local function setup(name, opts)
    local config = vim.tbl_deep_extend('force', configs[name].default_config, opts)
    vim.api.nvim_create_autocmd('FileType', {
      pattern = config.filetypes,
      callback = function(args)
        local path = vim.api.nvim_buf_get_name(args.buf)
        local root = config.root_dir(path) or (config.single_file_support and vim.fs.dirname(path))
        if root then
          local start = vim.tbl_extend('force', config, { name = name, root_dir = root })
          vim.lsp.start(start, { bufnr = args.buf })
        end
      end,
    })
  end

  package.preload['lspconfig.configs'] = function()
    return configs
  end
  package.preload['lspconfig.util'] = function()
    return util
  end
  package.preload['lspconfig'] = function()
    return setmetatable({ util = util }, {
      __index = function(_, name)
        return { setup = function(opts) setup(name, opts) end }
      end,
    })
  end
end

dofile(vim.g.codeorigin_test_config)
