<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>hiddenscope</name>
    <message>
        <source>Init hidden</source>
        <translation>初始化隐藏状态</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Step back</source>
        <translation>后退一步</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <source>Save screenshot…</source>
        <translation>保存截图…</translation>
    </message>
    <message>
        <source>Export history…</source>
        <translation>导出历史…</translation>
    </message>
    <message>
        <source>Copy heatmaps</source>
        <translation>复制热图</translation>
    </message>
    <message>
        <source>Difference hₜ − hₜ₋₁</source>
        <translation>差值 hₜ − hₜ₋₁</translation>
    </message>
    <message>
        <source>Step op</source>
        <translation>单步运算</translation>
    </message>
    <message>
        <source>Previous op</source>
        <translation>上一个运算</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Next page of agents</source>
        <translation>下一页智能体</translation>
    </message>
    <message>
        <source>Previous page of agents</source>
        <translation>上一页智能体</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Shape trace</source>
        <translation>形状追踪</translation>
    </message>
    <message>
        <source>History (time × units)</source>
        <translation>历史（时间 × 单元）</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>every {seconds} s while playing</source>
        <translation>播放时每 {seconds} 秒绘制一次</translation>
    </message>
    <message>
        <source>This view takes about {ms} ms to draw at this size, so while playing it is drawn less often and the model keeps its speed. Paused, every step is drawn.</source>
        <translation>在此规模下，此视图绘制一次约需 {ms} 毫秒，因此播放时绘制得较少，模型得以保持速度。暂停时每一步都会绘制。</translation>
    </message>
    <message>
        <source>steps/s</source>
        <translation>步/秒</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>智能体数</translation>
    </message>
    <message>
        <source>Hidden dim</source>
        <translation>隐藏维度</translation>
    </message>
    <message>
        <source>Input size</source>
        <translation>输入维度</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Dtype</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>智能体</translation>
    </message>
    <message>
        <source>Batch row</source>
        <translation>批次行</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>op</source>
        <translation>运算</translation>
    </message>
    <message>
        <source>shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>stride</source>
        <translation>步长</translation>
    </message>
    <message>
        <source>contiguous</source>
        <translation>连续</translation>
    </message>
    <message>
        <source>view / copy</source>
        <translation>视图 / 复制</translation>
    </message>
    <message>
        <source>tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>dtype</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <source>line of code that ran it</source>
        <translation>执行它的代码行</translation>
    </message>
    <message>
        <source>The language changes the next time hiddenscope starts.</source>
        <translation>界面语言将在下次启动 hiddenscope 时切换。</translation>
    </message>
    <message>
        <source>Run one timestep (or replay one from history)</source>
        <translation>运行一个时间步（或从历史中重放）</translation>
    </message>
    <message>
        <source>Show the previous timestep from history</source>
        <translation>显示历史中的上一个时间步</translation>
    </message>
    <message>
        <source>Play / Pause</source>
        <translation>播放 / 暂停</translation>
    </message>
    <message>
        <source>Back to t = 0 and clear the history (the same as Init hidden)</source>
        <translation>回到 t = 0 并清空历史（与“初始化隐藏状态”相同）</translation>
    </message>
    <message>
        <source>Save the heatmap grid as a PNG</source>
        <translation>将热图网格保存为 PNG</translation>
    </message>
    <message>
        <source>init_hidden(): start over at t = 0 from the model&apos;s initial hidden state, as an episode starts; the steps held are cleared (Record or Export history first to keep them)</source>
        <translation>init_hidden()：从模型的初始隐藏状态在 t = 0 重新开始，如同回合开始；已保存的步会被清除（如需保留，请先录制或导出历史）</translation>
    </message>
    <message>
        <source>Walk through this timestep's tensor transitions one by one</source>
        <translation>逐个查看本时间步的张量变换</translation>
    </message>
    <message>
        <source>Show the change since the previous timestep</source>
        <translation>显示相对上一时间步的变化</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>view (no copy)</source>
        <translation>视图（无复制）</translation>
    </message>
    <message>
        <source>new memory</source>
        <translation>新内存</translation>
    </message>
    <message>
        <source>in place</source>
        <translation>原地</translation>
    </message>
    <message>
        <source>Open checkpoint…</source>
        <translation>打开检查点…</translation>
    </message>
    <message>
        <source>Open inputs…</source>
        <translation>打开输入…</translation>
    </message>
    <message>
        <source>Open checkpoint</source>
        <translation>打开检查点</translation>
    </message>
    <message>
        <source>Open inputs</source>
        <translation>打开输入</translation>
    </message>
    <message>
        <source>Load a trained agent: PyMARL agent.th, the seed model's state_dict, or .safetensors</source>
        <translation>加载训练好的智能体：PyMARL 的 agent.th、种子模型的 state_dict 或 .safetensors</translation>
    </message>
    <message>
        <source>Feed inputs from a .npy, .npz or .pt file of shape (T, batch, n_agents, input) or (T, n_agents, input)</source>
        <translation>从形状为 (T, 批次, n_agents, 输入) 或 (T, n_agents, 输入) 的 .npy、.npz 或 .pt 文件读取输入</translation>
    </message>
    <message>
        <source>GRU gates</source>
        <translation>GRU 门控</translation>
    </message>
    <message>
        <source>Summary over time</source>
        <translation>随时间的汇总</translation>
    </message>
    <message>
        <source>reset gate r</source>
        <translation>重置门 r</translation>
    </message>
    <message>
        <source>update gate z</source>
        <translation>更新门 z</translation>
    </message>
    <message>
        <source>candidate n</source>
        <translation>候选状态 n</translation>
    </message>
    <message>
        <source>No recorded step to show gates for (step at least once), or the model has no GRU cell.</source>
        <translation>没有可显示门控的已记录步（请至少运行一步），或模型不含 GRU 单元。</translation>
    </message>
    <message>
        <source>‖h‖ per agent (mean over batch rows)</source>
        <translation>每个智能体的 ‖h‖（对批次行取平均）</translation>
    </message>
    <message>
        <source>saturated units, |h| &gt; 0.95 (fraction)</source>
        <translation>饱和单元比例，|h| &gt; 0.95</translation>
    </message>
    <message>
        <source>Record shape trace</source>
        <translation>记录形状追踪</translation>
    </message>
    <message>
        <source>Record every tensor transition of each step (off: a little faster, no shape panel)</source>
        <translation>记录每一步的所有张量变换（关闭后略快，形状面板为空）</translation>
    </message>
    <message>
        <source>Inputs from MPE simple_spread</source>
        <translation>来自 MPE simple_spread 的输入</translation>
    </message>
    <message>
        <source>Feed the agents observations from live PettingZoo MPE simple_spread environments (optional extra)</source>
        <translation>用实时 PettingZoo MPE simple_spread 环境的观测作为智能体输入（可选组件）</translation>
    </message>
    <message>
        <source>Built-in pattern inputs</source>
        <translation>内置模式输入</translation>
    </message>
    <message>
        <source>Back to the built-in per-agent signals</source>
        <translation>回到内置的每智能体信号</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Gates</source>
        <translation>门控</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>汇总</translation>
    </message>
    <message>
        <source>Seed model</source>
        <translation>种子模型</translation>
    </message>
    <message>
        <source>Back to the seed note's own agent (random weights from the seed)</source>
        <translation>回到种子笔记中的智能体（权重由随机种子生成）</translation>
    </message>
    <message>
        <source>Fast-forward</source>
        <translation>快进</translation>
    </message>
    <message>
        <source>Trace this step</source>
        <translation>追踪此步</translation>
    </message>
    <message>
        <source>Step as fast as the model goes and draw at the display&apos;s rate; steps not drawn are not traced (the shape panel can trace one afterwards)</source>
        <translation>以模型能达到的最快速度单步运行，按显示器刷新率绘制；未绘制的步不记录追踪（之后可在形状面板中追踪其中任意一步）</translation>
    </message>
    <message>
        <source>Drive the agents in live environments (MPE simple_spread, LBF, RWARE, VMAS): observations in, actions out, hidden state reset when an episode starts</source>
        <translation>在实时环境（MPE simple_spread、LBF、RWARE、VMAS）中驱动智能体：输入观测，输出动作，回合开始时重置隐藏状态</translation>
    </message>
    <message>
        <source>Inputs from an environment…</source>
        <translation>来自环境的输入…</translation>
    </message>
    <message>
        <source>Load the agent of a PyMARL/EPyMARL/PyMARL2 run folder (its latest step) or step folder</source>
        <translation>加载 PyMARL/EPyMARL/PyMARL2 运行文件夹（其最新一步）或步文件夹中的智能体</translation>
    </message>
    <message>
        <source>Open run folder</source>
        <translation>打开运行文件夹</translation>
    </message>
    <message>
        <source>Open run folder…</source>
        <translation>打开运行文件夹…</translation>
    </message>
    <message>
        <source>&amp;Compare</source>
        <translation>比较(&amp;C)</translation>
    </message>
    <message>
        <source>Open session…</source>
        <translation>打开会话…</translation>
    </message>
    <message>
        <source>Close session</source>
        <translation>关闭会话</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>录制</translation>
    </message>
    <message>
        <source>Export movie…</source>
        <translation>导出影片…</translation>
    </message>
    <message>
        <source>Save heatmaps as SVG/PDF…</source>
        <translation>将热图保存为 SVG/PDF…</translation>
    </message>
    <message>
        <source>Compare with session…</source>
        <translation>与会话比较…</translation>
    </message>
    <message>
        <source>Compare with checkpoint…</source>
        <translation>与检查点比较…</translation>
    </message>
    <message>
        <source>Stop comparing</source>
        <translation>停止比较</translation>
    </message>
    <message>
        <source>; past the newest, the model steps on</source>
        <translation>；超过最新一步时，模型会继续单步运行</translation>
    </message>
    <message>
        <source>A is a recording: a branch needs a live model to step. Open the model and its inputs to make one.</source>
        <translation>A 是录制的会话：分支需要实时模型才能单步运行。请先打开模型及其输入再创建分支。</translation>
    </message>
    <message>
        <source>A recorded session cannot be recorded again: it is a session already</source>
        <translation>已录制的会话不能再次录制：它本身已是会话</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>动作</translation>
    </message>
    <message>
        <source>Add to list</source>
        <translation>加入列表</translation>
    </message>
    <message>
        <source>Agents</source>
        <comment>which agents</comment>
        <translation>智能体</translation>
    </message>
    <message>
        <source>Agents whose state is edited: all, one index (3), a range (0-2) or a comma list (0,2,5-7)</source>
        <translation>要编辑其状态的智能体：“all”、单个索引 (3)、范围 (0-2) 或逗号分隔的列表 (0,2,5-7)</translation>
    </message>
    <message>
        <source>Agents, e.g. 0-2, 4</source>
        <translation>智能体，例如 0-2, 4</translation>
    </message>
    <message>
        <source>B = a recorded session (.h5) of the same sizes, shown at A's timestep</source>
        <translation>B = 尺寸相同的已录制会话 (.h5)，在 A 的时间步处显示</translation>
    </message>
    <message>
        <source>B = a second checkpoint on the same inputs, stepped in lockstep with A</source>
        <translation>B = 第二个检查点，使用相同的输入，与 A 同步单步运行</translation>
    </message>
    <message>
        <source>B: the run compared with</source>
        <translation>B：用于比较的运行</translation>
    </message>
    <message>
        <source>Back to the live run</source>
        <translation>回到实时运行</translation>
    </message>
    <message>
        <source>Batch rows: all, one index (3), a range (0-2) or a comma list (0,2,5-7)</source>
        <translation>批次行：“all”、单个索引 (3)、范围 (0-2) 或逗号分隔的列表 (0,2,5-7)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Click a moment to show it: its t, agent and batch row</source>
        <translation>单击某个时刻即可显示它：跳到它的 t、智能体和批次行</translation>
    </message>
    <message>
        <source>Click a unit (Ctrl/Shift: several) to mark it in every view</source>
        <translation>单击单元（按住 Ctrl/Shift 可选多个），在所有视图中标记它</translation>
    </message>
    <message>
        <source>Close B</source>
        <translation>关闭 B</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Compare with checkpoint</source>
        <translation>与检查点比较</translation>
    </message>
    <message>
        <source>Compare with session</source>
        <translation>与会话比较</translation>
    </message>
    <message>
        <source>Comparing agents needs at least two agents.</source>
        <translation>比较智能体至少需要两个智能体。</translation>
    </message>
    <message>
        <source>Compute the unit order again from the history held now (Ctrl+U)</source>
        <translation>根据当前保留的历史重新计算单元顺序 (Ctrl+U)</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the --edit text to the clipboard</source>
        <translation>将 --edit 文本复制到剪贴板</translation>
    </message>
    <message>
        <source>Cosine of the angle between them (not centred)</source>
        <translation>两者夹角的余弦（不中心化）</translation>
    </message>
    <message>
        <source>Drag a time range on the plot to select the units that stay past τ across it.</source>
        <translation>在图上拖出一个时间范围，选取在整个范围内始终超过 τ 的单元。</translation>
    </message>
    <message>
        <source>Drop branch</source>
        <translation>丢弃分支</translation>
    </message>
    <message>
        <source>Each agent's variance over time, averaged over agents</source>
        <translation>每个智能体随时间的方差，再对智能体取平均</translation>
    </message>
    <message>
        <source>Each batch row is one environment; an episode that ends restarts that row's memory.</source>
        <translation>每个批次行是一个环境；回合结束时，该行的记忆重新开始。</translation>
    </message>
    <message>
        <source>Edit memory</source>
        <translation>编辑记忆</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>环境</translation>
    </message>
    <message>
        <source>Export movie</source>
        <translation>导出影片</translation>
    </message>
    <message>
        <source>Fewer than two agents have finite states over these steps: nothing to rank.</source>
        <translation>在这些步中状态为有限值的智能体不足两个：无法排名。</translation>
    </message>
    <message>
        <source>First timestep of the movie</source>
        <translation>影片的第一个时间步</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>拟合</translation>
    </message>
    <message>
        <source>Fit on the newest this many held steps (every batch row)</source>
        <translation>在最新的这么多个已保留步上拟合（所有批次行）</translation>
    </message>
    <message>
        <source>Fit one PCA to all agents together, so their paths share axes (off: one PCA per agent)</source>
        <translation>对所有智能体一起拟合一个 PCA，使它们的路径共用坐标轴（关闭：每个智能体各一个 PCA）</translation>
    </message>
    <message>
        <source>Fit the projection on the held steps now (it is not refitted per frame) (F)</source>
        <translation>现在在已保留的步上拟合投影（不会逐帧重新拟合）(F)</translation>
    </message>
    <message>
        <source>Forget the range and the selected units (Esc)</source>
        <translation>清除范围和已选单元 (Esc)</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>From t</source>
        <translation>起始 t</translation>
    </message>
    <message>
        <source>GRU units: all, one index (3), a range (0-2) or a comma list (0,2,5-7)</source>
        <translation>GRU 单元：“all”、单个索引 (3)、范围 (0-2) 或逗号分隔的列表 (0,2,5-7)</translation>
    </message>
    <message>
        <source>How the agents' outputs become actions in the environment</source>
        <translation>智能体的输出如何变成环境中的动作</translation>
    </message>
    <message>
        <source>How the heatmaps, History and Gates lay out the units</source>
        <translation>热图、历史和门控视图中单元的排列方式</translation>
    </message>
    <message>
        <source>How the states are brought down to two dimensions</source>
        <translation>将状态降到二维的方法</translation>
    </message>
    <message>
        <source>How two agents' states are compared (over batch rows and units)</source>
        <translation>如何比较两个智能体的状态（跨批次行和单元）</translation>
    </message>
    <message>
        <source>Keep the units whose value stays past this threshold at every step of the range</source>
        <translation>保留在范围内每一步取值都超过此阈值的单元</translation>
    </message>
    <message>
        <source>Keep this edit and write another; Make branch then runs every listed edit</source>
        <translation>保留此编辑并继续编写下一个；“创建分支”会运行列表中的所有编辑</translation>
    </message>
    <message>
        <source>Keep units that stay above τ, below −τ, or either (one side throughout)</source>
        <translation>保留始终高于 τ、始终低于 −τ 或任一侧（全程同一侧）的单元</translation>
    </message>
    <message>
        <source>Last timestep of the movie</source>
        <translation>影片的最后一个时间步</translation>
    </message>
    <message>
        <source>Make branch</source>
        <translation>创建分支</translation>
    </message>
    <message>
        <source>Make branch cancelled: no branch was made</source>
        <translation>已取消创建分支：未创建任何分支</translation>
    </message>
    <message>
        <source>No branch: make one to compare the edited run (B) with this one (A).</source>
        <translation>没有分支：创建一个分支，即可将编辑后的运行 (B) 与当前运行 (A) 比较。</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>运算</translation>
    </message>
    <message>
        <source>Open session</source>
        <translation>打开会话</translation>
    </message>
    <message>
        <source>Options (blank: the default shown in grey)</source>
        <translation>选项（留空：使用灰色显示的默认值）</translation>
    </message>
    <message>
        <source>Order units</source>
        <translation>单元排序</translation>
    </message>
    <message>
        <source>Pearson correlation of the two agents' states</source>
        <translation>两个智能体状态的 Pearson 相关系数</translation>
    </message>
    <message>
        <source>Rank the units over the held steps now (not per frame)</source>
        <translation>现在在已保留的步上为单元排名（不逐帧更新）</translation>
    </message>
    <message>
        <source>Rank the units over the newest this many held steps</source>
        <translation>在最新的这么多个已保留步上为单元排名</translation>
    </message>
    <message>
        <source>Rank units</source>
        <translation>单元排名</translation>
    </message>
    <message>
        <source>Ranking units by agent needs at least two agents.</source>
        <translation>按智能体为单元排名至少需要两个智能体。</translation>
    </message>
    <message>
        <source>Re-order</source>
        <translation>重新排序</translation>
    </message>
    <message>
        <source>Real unit indices, in the order chosen under View ▸ Order units</source>
        <translation>真实的单元索引，按“视图 ▸ 单元排序”中选择的顺序排列</translation>
    </message>
    <message>
        <source>Record every step Step and Play compute to a new session file (.h5); click again to finish it</source>
        <translation>将单步和播放计算的每一步录制到新的会话文件 (.h5)；再次单击结束录制</translation>
    </message>
    <message>
        <source>Record to session</source>
        <translation>录制到会话</translation>
    </message>
    <message>
        <source>Recording: the session file and how many steps it holds so far</source>
        <translation>正在录制：会话文件及其目前已保存的步数</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Replay a recorded session (.h5) with no model: Step, Back, the timeline and Play move through it</source>
        <translation>无需模型即可回放已录制的会话 (.h5)：用单步、后退、时间轴和播放在其中移动</translation>
    </message>
    <message>
        <source>Rows</source>
        <translation>批次行</translation>
    </message>
    <message>
        <source>Run the session again with these edits beside it (B), stepped in lockstep (Ctrl+B)</source>
        <translation>带上这些编辑再运行一遍会话，作为并列的 B，与 A 同步单步运行 (Ctrl+B)</translation>
    </message>
    <message>
        <source>Save heatmaps as SVG/PDF</source>
        <translation>将热图保存为 SVG/PDF</translation>
    </message>
    <message>
        <source>Search the history held now again</source>
        <translation>在当前保留的历史中重新搜索</translation>
    </message>
    <message>
        <source>Select units in</source>
        <translation>选取单元：</translation>
    </message>
    <message>
        <source>Select units in the History view (drag a time range); the moments whose active units overlap them most are listed here.</source>
        <translation>在历史视图中选取单元（拖出一个时间范围）；这里会列出活跃单元与之重叠最多的时刻。</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Similar moments</source>
        <translation>相似时刻</translation>
    </message>
    <message>
        <source>Similarity</source>
        <translation>相似度</translation>
    </message>
    <message>
        <source>Step at least once: ranking needs two held steps.</source>
        <translation>请至少运行一步：排名需要两个已保留的步。</translation>
    </message>
    <message>
        <source>Step at least twice: a path needs two held steps to fit.</source>
        <translation>请至少运行两步：拟合路径需要两个已保留的步。</translation>
    </message>
    <message>
        <source>Stop comparing with the branch</source>
        <translation>停止与分支比较</translation>
    </message>
    <message>
        <source>T = the timestep shown (and follow it)</source>
        <translation>T = 当前显示的时间步（并跟随它）</translation>
    </message>
    <message>
        <source>Take the selected edit off the list</source>
        <translation>从列表中移除选中的编辑</translation>
    </message>
    <message>
        <source>The GRU unit</source>
        <translation>GRU 单元</translation>
    </message>
    <message>
        <source>The branch was dropped: the session was rebuilt. Make it again to compare.</source>
        <translation>分支已丢弃：会话已重建。请重新创建分支以进行比较。</translation>
    </message>
    <message>
        <source>The chosen values become 0</source>
        <translation>所选的值变为 0</translation>
    </message>
    <message>
        <source>The edits the branch runs with, in order (several at one T in turn)</source>
        <translation>分支按顺序运行的编辑（同一 T 上的多个编辑依次执行）</translation>
    </message>
    <message>
        <source>The environment whose observations the agents get, one per batch row</source>
        <translation>为智能体提供观测的环境，每个批次行一个</translation>
    </message>
    <message>
        <source>The heatmap grid shown, as a vector figure (text and colour bar as text) for papers and slides</source>
        <translation>将当前显示的热图网格保存为矢量图（文字和色标保留为文本），用于论文和幻灯片</translation>
    </message>
    <message>
        <source>The heatmaps over a range of t as an animated GIF or an MP4, with the title line and t on each frame</source>
        <translation>将一段 t 范围内的热图导出为 GIF 动画或 MP4，每帧带标题行和 t</translation>
    </message>
    <message>
        <source>The page of agents shown, in the compare mode shown; the title line and t on each frame.</source>
        <translation>使用当前显示的智能体页和比较模式；每帧带标题行和 t。</translation>
    </message>
    <message>
        <source>The same edit on the command line (--edit is repeatable)</source>
        <translation>命令行上的同一编辑（--edit 可重复使用）</translation>
    </message>
    <message>
        <source>The selection keeps no unit: nothing to compare with.</source>
        <translation>所选范围未保留任何单元：没有可比较的内容。</translation>
    </message>
    <message>
        <source>The time range units are selected over: drag it, or drag its edges</source>
        <translation>选取单元所用的时间范围：可拖动它，或拖动其边缘</translation>
    </message>
    <message>
        <source>The timestep whose state h_T is edited</source>
        <translation>要编辑其状态 h_T 的时间步</translation>
    </message>
    <message>
        <source>To t</source>
        <translation>结束 t</translation>
    </message>
    <message>
        <source>Trajectories</source>
        <translation>轨迹</translation>
    </message>
    <message>
        <source>UMAP needs the umap-learn package: pip install umap-learn (or the umap extra)</source>
        <translation>UMAP 需要 umap-learn 包：pip install umap-learn（或安装 umap 可选组件）</translation>
    </message>
    <message>
        <source>Unit order</source>
        <translation>单元顺序</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>单元</translation>
    </message>
    <message>
        <source>Units that tell agents apart</source>
        <translation>区分智能体的单元</translation>
    </message>
    <message>
        <source>VMAS runs any of its scenarios: type its name in 'scenario'; n_agents blank keeps the scenario's own.</source>
        <translation>VMAS 可运行其任意场景：在 'scenario' 中输入场景名；n_agents 留空则使用该场景自身的智能体数。</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Variance over agents of each agent's mean over time</source>
        <translation>各智能体的时间均值在智能体之间的方差</translation>
    </message>
    <message>
        <source>What happens to the chosen values</source>
        <translation>对所选的值执行的操作</translation>
    </message>
    <message>
        <source>What the selected batch row did in its environment: dashed lines are episode starts (the hidden state went back to init_hidden there)</source>
        <translation>所选批次行在其环境中的经历：虚线为回合开始处（隐藏状态在此回到 init_hidden）</translation>
    </message>
    <message>
        <source>Which agents a unit must stay past τ in (this agent: the one History follows as you drag; the selection stays when History moves on)</source>
        <translation>单元须在哪些智能体中始终超过 τ（此智能体：拖动时历史视图跟随的智能体；历史视图切换后选择保持不变）</translation>
    </message>
    <message>
        <source>Which batch rows a unit must stay past τ in</source>
        <translation>单元须在哪些批次行中始终超过 τ</translation>
    </message>
    <message>
        <source>between agents</source>
        <translation>智能体间</translation>
    </message>
    <message>
        <source>between ÷ within: large when the unit sits at a different level in each agent but moves little</source>
        <translation>智能体间 ÷ 时间内：单元在各智能体中处于不同水平、自身又变化很小时，该值较大</translation>
    </message>
    <message>
        <source>correlation</source>
        <translation>相关系数</translation>
    </message>
    <message>
        <source>cosine</source>
        <translation>余弦</translation>
    </message>
    <message>
        <source>hiddenscope — Export movie</source>
        <translation>hiddenscope — 导出影片</translation>
    </message>
    <message>
        <source>hiddenscope — Open session</source>
        <translation>hiddenscope — 打开会话</translation>
    </message>
    <message>
        <source>The selected units' similar moments are in the Moments tab</source>
        <translation>所选单元的相似时刻在“时刻”标签页中</translation>
    </message>
    <message>
        <source>Moments</source>
        <translation>时刻</translation>
    </message>
    <message>
        <source>State shown</source>
        <translation>显示的状态</translation>
    </message>
    <message>
        <source>Analyses around the t shown</source>
        <translation>分析围绕所显示的 t</translation>
    </message>
    <message>
        <source>Rank units, Similar moments and Trajectories read the held steps around the t shown, not the newest</source>
        <translation>单元排序、相似时刻和轨迹读取所显示 t 附近的已保存时间步，而不是最新的时间步</translation>
    </message>
    <message>
        <source>around the t shown</source>
        <translation>所显示的 t 附近</translation>
    </message>
    <message>
        <source>over the newest held steps</source>
        <translation>最新保存的时间步</translation>
    </message>
    <message>
        <source>Analyses now read the steps {where}</source>
        <translation>分析现在读取{where}的时间步</translation>
    </message>
    <message>
        <source>Show state</source>
        <translation>显示状态</translation>
    </message>
    <message>
        <source>Show this recorded state in every view, in place of h</source>
        <translation>在所有视图中显示这个录制的状态，代替 h</translation>
    </message>
    <message>
        <source>Showing the state {name}</source>
        <translation>正在显示状态 {name}</translation>
    </message>
    <message>
        <source>A recorded session holds the hidden states, not the model: the gates need the model to re-run the steps. Open the checkpoint it was recorded with (File → Close session, then Open checkpoint).</source>
        <translation>录制的会话只保存隐藏状态，不含模型：门控需要用模型重新运行这些时间步。请打开录制时所用的检查点（文件 → 关闭会话，然后打开检查点）。</translation>
    </message>
    <message>
        <source>Reset layout</source>
        <translation>重置布局</translation>
    </message>
    <message>
        <source>Put every dock and toolbar back where a new window has them</source>
        <translation>把所有停靠窗口和工具栏放回新窗口中的位置</translation>
    </message>
    <message>
        <source>Layout reset: the docks are where a new window puts them</source>
        <translation>布局已重置：停靠窗口回到新窗口中的位置</translation>
    </message>
    <message>
        <source>hiddenscope — Make branch</source>
        <translation>hiddenscope — 创建分支</translation>
    </message>
    <message>
        <source>hiddenscope — inputs from an environment</source>
        <translation>hiddenscope — 来自环境的输入</translation>
    </message>
    <message>
        <source>no B: File → Compare with…</source>
        <translation>无 B：比较 → 与…比较</translation>
    </message>
    <message>
        <source>one plane</source>
        <translation>同一平面</translation>
    </message>
    <message>
        <source>ratio</source>
        <translation>比值</translation>
    </message>
    <message>
        <source>steps</source>
        <translation>步</translation>
    </message>
    <message>
        <source>t shown</source>
        <translation>当前 t</translation>
    </message>
    <message>
        <source>that stay</source>
        <translation>保持</translation>
    </message>
    <message>
        <source>unit</source>
        <translation>单元</translation>
    </message>
    <message>
        <source>units kept by Select units</source>
        <translation>“选取单元”保留的单元</translation>
    </message>
    <message>
        <source>within (time)</source>
        <translation>时间内</translation>
    </message>
    <message>
        <source>index</source>
        <translation>索引</translation>
    </message>
    <message>
        <source>mean activation</source>
        <translation>平均激活</translation>
    </message>
    <message>
        <source>variance over time</source>
        <translation>随时间的方差</translation>
    </message>
    <message>
        <source>mean |Δh|</source>
        <translation>平均 |Δh|</translation>
    </message>
    <message>
        <source>clustering of time courses</source>
        <translation>时间过程聚类</translation>
    </message>
    <message>
        <source>Units in index order 0, 1, 2, …</source>
        <translation>按索引顺序 0, 1, 2, … 排列单元</translation>
    </message>
    <message>
        <source>Highest mean activation over the held history first</source>
        <translation>在保留的历史上平均激活最高的单元排在前面</translation>
    </message>
    <message>
        <source>Most variance over time first (per agent and batch row, averaged)</source>
        <translation>随时间方差最大的单元排在前面（按智能体和批次行分别计算后取平均）</translation>
    </message>
    <message>
        <source>Largest mean |h_t − h_t−1| first: the units that move most from step to step</source>
        <translation>平均 |h_t − h_t−1| 最大的单元排在前面：即逐步变化最大的单元</translation>
    </message>
    <message>
        <source>Average-linkage clustering of the units' time courses: units that move together side by side</source>
        <translation>对单元的时间过程做平均连锁聚类：一起变化的单元排在一起</translation>
    </message>
    <message>
        <source>above τ</source>
        <translation>高于 τ</translation>
    </message>
    <message>
        <source>below −τ</source>
        <translation>低于 −τ</translation>
    </message>
    <message>
        <source>either side</source>
        <translation>任一侧</translation>
    </message>
    <message>
        <source>this agent</source>
        <translation>此智能体</translation>
    </message>
    <message>
        <source>all agents</source>
        <translation>所有智能体</translation>
    </message>
    <message>
        <source>these agents:</source>
        <translation>指定智能体：</translation>
    </message>
    <message>
        <source>this batch row</source>
        <translation>此批次行</translation>
    </message>
    <message>
        <source>all batch rows</source>
        <translation>所有批次行</translation>
    </message>
    <message>
        <source>zero</source>
        <translation>置零</translation>
    </message>
    <message>
        <source>set = V</source>
        <translation>设为 = V</translation>
    </message>
    <message>
        <source>clamp = LO,HI</source>
        <translation>截断 = LO,HI</translation>
    </message>
    <message>
        <source>noise = SIGMA</source>
        <translation>噪声 = SIGMA</translation>
    </message>
    <message>
        <source>copy from agent A</source>
        <translation>从智能体 A 复制</translation>
    </message>
    <message>
        <source>swap agents A,B</source>
        <translation>交换智能体 A,B</translation>
    </message>
    <message>
        <source>V, e.g. 0.5</source>
        <translation>V，例如 0.5</translation>
    </message>
    <message>
        <source>LO,HI, e.g. -0.1,0.1</source>
        <translation>LO,HI，例如 -0.1,0.1</translation>
    </message>
    <message>
        <source>SIGMA or SIGMA,SEED</source>
        <translation>SIGMA 或 SIGMA,SEED</translation>
    </message>
    <message>
        <source>A, e.g. 0</source>
        <translation>A，例如 0</translation>
    </message>
    <message>
        <source>A,B, e.g. 0,1</source>
        <translation>A,B，例如 0,1</translation>
    </message>
    <message>
        <source>The chosen values become V</source>
        <translation>所选的值变为 V</translation>
    </message>
    <message>
        <source>The chosen values are clipped into [LO, HI]</source>
        <translation>所选的值被截断到 [LO, HI] 之内</translation>
    </message>
    <message>
        <source>Gaussian noise of this standard deviation, seeded</source>
        <translation>加上此标准差的高斯噪声（带随机种子）</translation>
    </message>
    <message>
        <source>The chosen agents take agent A's values (same rows and units)</source>
        <translation>所选智能体取智能体 A 的值（相同的批次行和单元）</translation>
    </message>
    <message>
        <source>Agents A and B exchange values; AGENTS must be all or A,B</source>
        <translation>智能体 A 与 B 交换值；AGENTS 必须为 all 或 A,B</translation>
    </message>
    <message>
        <source>Show A, the original run, in the heatmaps, history and agents views</source>
        <translation>在热图、历史和智能体视图中显示 A，即原始运行</translation>
    </message>
    <message>
        <source>Show B, the branch, in the heatmaps, history and agents views</source>
        <translation>在热图、历史和智能体视图中显示 B，即分支</translation>
    </message>
    <message>
        <source>Show B − A, the branch minus the original, in the heatmaps, history and agents views</source>
        <translation>在热图、历史和智能体视图中显示 B − A，即分支减去原始运行</translation>
    </message>
    <message>
        <source>Show A: the run on screen</source>
        <translation>显示 A：屏幕上的运行</translation>
    </message>
    <message>
        <source>Show B: the run compared with, at the same t</source>
        <translation>显示 B：用于比较的运行，位于相同的 t</translation>
    </message>
    <message>
        <source>Show B − A at the same t (difference colours, ±0.5)</source>
        <translation>显示相同 t 处的 B − A（差值配色，±0.5）</translation>
    </message>
    <message>
        <source>Not for a recorded session (it holds states, not a model): File → Close session goes back to the live run</source>
        <translation>不适用于已录制的会话（它保存的是状态，不是模型）：文件 → 关闭会话 可回到实时运行</translation>
    </message>
    <message>
        <source>batch row</source>
        <translation>批次行</translation>
    </message>
    <message>
        <source>agent</source>
        <translation>智能体</translation>
    </message>
    <message>
        <source>Level-Based Foraging (lbforaging)</source>
        <translation>基于等级的觅食 (lbforaging)</translation>
    </message>
    <message>
        <source>Multi-Robot Warehouse (rware)</source>
        <translation>多机器人仓库 (rware)</translation>
    </message>
    <message>
        <source>VMAS scenario (vmas)</source>
        <translation>VMAS 场景 (vmas)</translation>
    </message>
    <message>
        <source>greedy: the best allowed action (argmax of Q-values or logits)</source>
        <translation>贪心：选取允许的最佳动作（Q 值或 logits 的 argmax）</translation>
    </message>
    <message>
        <source>sample: draw from the policy's probabilities (pi_logits agents)</source>
        <translation>采样：按策略的概率抽取动作（pi_logits 智能体）</translation>
    </message>
    <message>
        <source>(no action taken yet)</source>
        <translation>（尚未执行动作）</translation>
    </message>
    <message>
        <source>(pick them in History, or right-click a heatmap)</source>
        <translation>（在“历史”中选择，或右键单击热图）</translation>
    </message>
    <message>
        <source>; 1 in {stride} drawn at this size</source>
        <translation>；此尺寸下每 {stride} 行绘制 1 行</translation>
    </message>
    <message>
        <source>Agent whose history is shown</source>
        <translation>显示其历史的智能体</translation>
    </message>
    <message>
        <source>Apply configuration</source>
        <translation>应用配置</translation>
    </message>
    <message>
        <source>Automatic (system)</source>
        <translation>自动（跟随系统）</translation>
    </message>
    <message>
        <source>Batch row whose history is shown</source>
        <translation>显示其历史的批次行</translation>
    </message>
    <message>
        <source>Copy screenshot</source>
        <translation>复制截图</translation>
    </message>
    <message>
        <source>Copy the heatmaps shown to the clipboard as an image</source>
        <translation>将当前显示的热图作为图像复制到剪贴板</translation>
    </message>
    <message>
        <source>Device and dtype the model runs on</source>
        <translation>模型运行所用的设备和数据类型</translation>
    </message>
    <message>
        <source>Each agent&apos;s {name} is one vector of batch rows × units; each cell compares two agents&apos; vectors</source>
        <translation>每个智能体的 {name} 是一个“批次行 × 单元”的向量；每个格子比较两个智能体的向量</translation>
    </message>
    <message>
        <source>Episodes finished in the live environments, and their mean return (last 100)</source>
        <translation>实时环境中已结束的回合数及其平均回报（最近 100 个）</translation>
    </message>
    <message>
        <source>Export history</source>
        <translation>导出历史</translation>
    </message>
    <message>
        <source>Follow session</source>
        <translation>跟随会话</translation>
    </message>
    <message>
        <source>Follow session…</source>
        <translation>跟随会话…</translation>
    </message>
    <message>
        <source>Following a session another process is writing: the steps arrived so far</source>
        <translation>正在跟随另一个进程写入的会话：目前已到达的步</translation>
    </message>
    <message>
        <source>Frames drawn per second while playing</source>
        <translation>播放时每秒绘制的帧数</translation>
    </message>
    <message>
        <source>Marked in every view: unit {units} (between/within ratio)</source>
        <translation>已在所有视图中标记：单元 {units}（组间/组内比值）</translation>
    </message>
    <message>
        <source>Model steps per second while playing (many per frame in fast-forward)</source>
        <translation>播放时模型每秒运行的步数（快进时每帧多步）</translation>
    </message>
    <message>
        <source>NaN/Inf values drawn black</source>
        <translation>NaN/Inf 值以黑色绘制</translation>
    </message>
    <message>
        <source>Next page of agents (Page Down)</source>
        <translation>下一页智能体 (Page Down)</translation>
    </message>
    <message>
        <source>Open a session another process is writing (hiddenscope.record, watch); new steps show as they land</source>
        <translation>打开另一个进程正在写入的会话（“hiddenscope.record”、“watch”）；新步一到达即显示</translation>
    </message>
    <message>
        <source>Open dropped file</source>
        <translation>打开拖入的文件</translation>
    </message>
    <message>
        <source>Over the held history only ({held}): {found} by Jaccard overlap of the units past τ = {threshold} with units {units}, leaving out the selection&apos;s own range.</source>
        <translation>仅在保留的历史中查找（{held}）：按超过 τ = {threshold} 的单元与单元 {units} 的 Jaccard 重叠度列出{found}，不含所选范围本身。</translation>
    </message>
    <message>
        <source>Page of agents shown</source>
        <translation>当前显示的智能体页</translation>
    </message>
    <message>
        <source>Play speed in timesteps per second; a slow step drops frames instead of freezing</source>
        <translation>播放速度（每秒时间步数）；单步较慢时会跳帧而不是卡住</translation>
    </message>
    <message>
        <source>Play stopped: {error}</source>
        <translation>播放已停止：{error}</translation>
    </message>
    <message>
        <source>Previous page of agents (Page Up)</source>
        <translation>上一页智能体 (Page Up)</translation>
    </message>
    <message>
        <source>Previous tensor transition</source>
        <translation>上一个张量变换</translation>
    </message>
    <message>
        <source>Previous tensor transition of this step ([)</source>
        <translation>此步的上一个张量变换 ([)</translation>
    </message>
    <message>
        <source>Quit hiddenscope</source>
        <translation>退出 hiddenscope</translation>
    </message>
    <message>
        <source>Re-run this step from h(t−1) and its inputs, both held in history, with tracing on, and show what its tensors really did</source>
        <translation>从历史中保留的 h(t−1) 及其输入开启追踪重新运行此步，显示其张量实际做了什么</translation>
    </message>
    <message>
        <source>Read session</source>
        <translation>读取会话</translation>
    </message>
    <message>
        <source>Save agent {agent}&apos;s heatmap…</source>
        <translation>保存智能体 {agent} 的热图…</translation>
    </message>
    <message>
        <source>Save figure</source>
        <translation>保存图形</translation>
    </message>
    <message>
        <source>Save screenshot</source>
        <translation>保存截图</translation>
    </message>
    <message>
        <source>Save the hidden-state history as .npz</source>
        <translation>将隐藏状态历史保存为 .npz</translation>
    </message>
    <message>
        <source>Save this view as a PNG or an SVG</source>
        <translation>将此视图保存为 PNG 或 SVG</translation>
    </message>
    <message>
        <source>Save view</source>
        <translation>保存视图</translation>
    </message>
    <message>
        <source>Scrub through the recorded history (← →)</source>
        <translation>在录制的历史中拖动浏览 (← →)</translation>
    </message>
    <message>
        <source>Show agent {agent} in the history view</source>
        <translation>在历史视图中显示智能体 {agent}</translation>
    </message>
    <message>
        <source>Step op: next tensor transition of this step (])</source>
        <translation>单步运算：此步的下一个张量变换 (])</translation>
    </message>
    <message>
        <source>Stepping</source>
        <translation>单步运行</translation>
    </message>
    <message>
        <source>The tiles are shorter than their {rows} rows: each pixel row shows one row of the {stride} it covers. Hover any cell for its own value; make the window taller to draw more rows; screenshots always hold every row.</source>
        <translation>图块高度不足 {rows} 行：每个像素行显示其覆盖的 {stride} 行中的一行。将鼠标悬停在任意格子上可查看其值；把窗口拉高可绘制更多行；截图始终包含所有行。</translation>
    </message>
    <message>
        <source>The timestep shown</source>
        <translation>当前显示的时间步</translation>
    </message>
    <message>
        <source>Time the last computed step took (model, trace and host copy)</source>
        <translation>上一个计算步所用的时间（模型、追踪和复制到主机）</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间轴</translation>
    </message>
    <message>
        <source>Timesteps held in history, and its memory budget</source>
        <translation>历史中保留的时间步数及其内存预算</translation>
    </message>
    <message>
        <source>Trajectories: {why}</source>
        <translation>轨迹：{why}</translation>
    </message>
    <message>
        <source>Units ordered by {order} over {span}; Ctrl+U re-orders</source>
        <translation>单元已按{order}排序（{span}）；按 Ctrl+U 重新排序</translation>
    </message>
    <message>
        <source>a new episode started in this row (h reset to init_hidden)</source>
        <translation>此行开始了新回合（h 重置为 init_hidden）</translation>
    </message>
    <message>
        <source>action</source>
        <translation>动作</translation>
    </message>
    <message>
        <source>actions: {how}</source>
        <translation>动作：{how}</translation>
    </message>
    <message>
        <source>after op {op}: {why}</source>
        <translation>运算 {op} 之后：{why}</translation>
    </message>
    <message>
        <source>agent {agents} left out (NaN/Inf)</source>
        <translation>已排除智能体 {agents}（NaN/Inf）</translation>
    </message>
    <message>
        <source>agent {agent}</source>
        <translation>智能体 {agent}</translation>
    </message>
    <message>
        <source>agent {agent} · batch row {row} · t = {first}…{last}</source>
        <translation>智能体 {agent} · 批次行 {row} · t = {first}…{last}</translation>
    </message>
    <message>
        <source>agent {agent} · batch row {row} · unit {unit} · {name} = {value}</source>
        <translation>智能体 {agent} · 批次行 {row} · 单元 {unit} · {name} = {value}</translation>
    </message>
    <message>
        <source>agents {agents} left out (NaN/Inf)</source>
        <translation>已排除智能体 {agents}（NaN/Inf）</translation>
    </message>
    <message>
        <source>agents {first}–{last} of {n}</source>
        <translation>智能体 {first}–{last}（共 {n} 个）</translation>
    </message>
    <message>
        <source>batch row {row}: return at t = {t} {so_far} · 1 episode start in view · agent {agent}&apos;s actions below</source>
        <translation>批次行 {row}：t = {t} 时的回报 {so_far} · 视图中有 1 个回合开始 · 下方为智能体 {agent} 的动作</translation>
    </message>
    <message>
        <source>batch row {row}: return at t = {t} {so_far} · {starts} episode starts in view · agent {agent}&apos;s actions below</source>
        <translation>批次行 {row}：t = {t} 时的回报 {so_far} · 视图中有 {starts} 个回合开始 · 下方为智能体 {agent} 的动作</translation>
    </message>
    <message>
        <source>black: undefined (a state holds NaN, or has no spread)</source>
        <translation>黑色：无定义（状态含 NaN，或没有离散度）</translation>
    </message>
    <message>
        <source>colour = time (blue t {first} → red t {last}) · ◯ = t {t} · click a point to go to its t</source>
        <translation>颜色 = 时间（蓝 t {first} → 红 t {last}）· ◯ = t {t} · 单击某点可跳到其 t</translation>
    </message>
    <message>
        <source>columns = units 0–{last}</source>
        <translation>列 = 单元 0–{last}</translation>
    </message>
    <message>
        <source>dashed: {label} in A&apos;s plane</source>
        <translation>虚线：{label} 在 A 的平面中</translation>
    </message>
    <message>
        <source>hiddenscope — Play</source>
        <translation>hiddenscope — 播放</translation>
    </message>
    <message>
        <source>hiddenscope — a very large configuration</source>
        <translation>hiddenscope — 非常大的配置</translation>
    </message>
    <message>
        <source>mean return {value}</source>
        <translation>平均回报 {value}</translation>
    </message>
    <message>
        <source>newer steps held: Fit again to include them</source>
        <translation>已保留更新的步：再次拟合以包含它们</translation>
    </message>
    <message>
        <source>newer steps held: Rank units again to include them</source>
        <translation>已保留更新的步：再次单元排名以包含它们</translation>
    </message>
    <message>
        <source>no episode finished yet</source>
        <translation>尚无回合结束</translation>
    </message>
    <message>
        <source>no moment shares a unit</source>
        <translation>没有与之共享单元的时刻</translation>
    </message>
    <message>
        <source>{t} was not traced: fast-forward computed it without drawing it</source>
        <translation>{t} 未追踪：快进时计算了此步但未绘制</translation>
    </message>
    <message>
        <source>{t} was not traced: tracing is off (View → Record shape trace, {key})</source>
        <translation>{t} 未追踪：追踪已关闭（视图 → 记录形状追踪，{key}）</translation>
    </message>
    <message>
        <source>{t} was not traced: the recording holds no trace of this step</source>
        <translation>{t} 未追踪：录制中没有此步的追踪</translation>
    </message>
    <message>
        <source>Trace this step re-runs it from history</source>
        <translation>“追踪此步”会从历史重新运行此步</translation>
    </message>
    <message>
        <source>▼ above the tracks: an episode&apos;s last step (its terminal step: the episode ended with the step before&apos;s actions, or the next step starts a new episode)</source>
        <translation>曲线上方的 ▼：回合的最后一步（终止步：回合随上一步的动作结束，或下一步开始新回合）</translation>
    </message>
    <message>
        <source>end</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>nothing</source>
        <translation>无</translation>
    </message>
    <message>
        <source>one plane for all agents</source>
        <translation>所有智能体共用一个平面</translation>
    </message>
    <message>
        <source>one plane per agent</source>
        <translation>每个智能体一个平面</translation>
    </message>
    <message>
        <source>op {i} of {n}</source>
        <translation>运算 {i} / {n}</translation>
    </message>
    <message>
        <source>ordered by {order} (axis below)</source>
        <translation>按{order}排序（见下方坐标轴）</translation>
    </message>
    <message>
        <source>return</source>
        <translation>回报</translation>
    </message>
    <message>
        <source>rows = batch 0–{last} (top→bottom{note})</source>
        <translation>行 = 批次 0–{last}（从上到下{note}）</translation>
    </message>
    <message>
        <source>session {name}: t = {first}..{last}, from disk</source>
        <translation>会话 {name}：t = {first}..{last}，从磁盘读取</translation>
    </message>
    <message>
        <source>step {ms} ms</source>
        <translation>单步 {ms} ms</translation>
    </message>
    <message>
        <source>step {t}: {forward} turns {before} into {after}</source>
        <translation>第 {t} 步：{forward} 将 {before} 变为 {after}</translation>
    </message>
    <message>
        <source>t = {first}…{last} shown ({n} of the 1 step held)</source>
        <translation>显示 t = {first}…{last}（保留的 1 步中的 {n} 步）</translation>
    </message>
    <message>
        <source>t = {first}…{last} shown ({n} of the {total} steps held)</source>
        <translation>显示 t = {first}…{last}（保留的 {total} 步中的 {n} 步）</translation>
    </message>
    <message>
        <source>t = {t}  (latest {latest})</source>
        <translation>t = {t}  （最新 {latest}）</translation>
    </message>
    <message>
        <source>t = {t} is no longer held in history: Refresh the list</source>
        <translation>t = {t} 已不在保留的历史中：请刷新列表</translation>
    </message>
    <message>
        <source>t = {t} is no longer held in history; Fit again to draw what is</source>
        <translation>t = {t} 已不在保留的历史中；再次拟合以绘制现有的步</translation>
    </message>
    <message>
        <source>t = {t} · unit {unit} · {value}</source>
        <translation>t = {t} · 单元 {unit} · {value}</translation>
    </message>
    <message>
        <source>the initial hidden state</source>
        <translation>初始隐藏状态</translation>
    </message>
    <message>
        <source>timestep t</source>
        <translation>时间步 t</translation>
    </message>
    <message>
        <source>top {n}</source>
        <translation>前 {n} 个</translation>
    </message>
    <message>
        <source>top {top} of {n} units over t = {first}…{last} (all batch rows)</source>
        <translation>t = {first}…{last} 内 {n} 个单元中的前 {top} 个（全部批次行）</translation>
    </message>
    <message>
        <source>traced afterwards, re-run from history</source>
        <translation>事后追踪，从历史重新运行</translation>
    </message>
    <message>
        <source>tracing is off</source>
        <translation>追踪已关闭</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>{method} · fitted on {span} ({steps} steps × {rows} rows) · line: batch row {row}</source>
        <translation>{method} · 拟合范围 {span}（{steps} 步 × {rows} 行）· 连线：批次行 {row}</translation>
    </message>
    <message>
        <source>{metric} of agents {i} and {j}: {value}</source>
        <translation>智能体 {i} 与 {j} 的{metric}：{value}</translation>
    </message>
    <message>
        <source>{metric} of the agents&apos; {name}</source>
        <translation>各智能体 {name} 的{metric}</translation>
    </message>
    <message>
        <source>{n} agents</source>
        <translation>{n} 个智能体</translation>
    </message>
    <message>
        <source>{n} episode</source>
        <translation>{n} 个回合</translation>
    </message>
    <message>
        <source>{n} episodes</source>
        <translation>{n} 个回合</translation>
    </message>
    <message>
        <source>{n} step held (room for {room}, {mib} MiB)</source>
        <translation>保留 {n} 步（容量 {room}，{mib} MiB）</translation>
    </message>
    <message>
        <source>{n} steps held (room for {room}, {mib} MiB)</source>
        <translation>保留 {n} 步（容量 {room}，{mib} MiB）</translation>
    </message>
    <message>
        <source>on {device}</source>
        <translation>位于 {device}</translation>
    </message>
    <message>
        <source>{values} values over {numbers} numbers in memory</source>
        <translation>{values} 个值，内存中只有 {numbers} 个数</translation>
    </message>
    <message>
        <source>{what} failed: {why}</source>
        <translation>{what}失败：{why}</translation>
    </message>
    <message>
        <source>▶ new episode in row {rows} (h reset to init_hidden)</source>
        <translation>▶ 第 {rows} 行开始新回合（h 重置为 init_hidden）</translation>
    </message>
    <message>
        <source>▶ new episode in rows {rows} (h reset to init_hidden)</source>
        <translation>▶ 第 {rows} 行开始新回合（h 重置为 init_hidden）</translation>
    </message>
    <message>
        <source>▼ selected units {units}</source>
        <translation>▼ 已选单元 {units}</translation>
    </message>
    <message>
        <source>Batch size: how many independent copies of the team are stepped</source>
        <translation>批次大小：同时单步运行的独立团队副本数</translation>
    </message>
    <message>
        <source>Number of agents; each gets its own heatmap</source>
        <translation>智能体数量；每个智能体有自己的热图</translation>
    </message>
    <message>
        <source>The agent&apos;s _hidden_dim; the GRU has hidden_dim // 4 * 3 units</source>
        <translation>智能体的 _hidden_dim；GRU 有 hidden_dim // 4 * 3 个单元</translation>
    </message>
    <message>
        <source>Inputs per agent per timestep (cond_input)</source>
        <translation>每个智能体每个时间步的输入数 (cond_input)</translation>
    </message>
    <message>
        <source>Seed for the weights and the inputs: same seed, same numbers</source>
        <translation>权重和输入的随机种子：种子相同，数值相同</translation>
    </message>
    <message>
        <source>Where the model runs; only devices this machine has are offered</source>
        <translation>模型运行的位置；只列出本机具备的设备</translation>
    </message>
    <message>
        <source>Floating-point type of the weights and the hidden state</source>
        <translation>权重和隐藏状态的浮点类型</translation>
    </message>
    <message>
        <source>Rebuild the model with these settings (Ctrl+Return)</source>
        <translation>用这些设置重建模型 (Ctrl+Return)</translation>
    </message>
    <message>
        <source>{units} GRU units, fixed by {model}</source>
        <translation>{units} 个 GRU 单元，由 {model} 决定</translation>
    </message>
    <message>
        <source>{rows} GRU rows per step</source>
        <translation>每步 {rows} 个 GRU 行</translation>
    </message>
    <message>
        <source>{hidden} // 4 * 3 = 0 units: use 4 or more</source>
        <translation>{hidden} // 4 * 3 = 0 个单元：请使用 4 或更大的值</translation>
    </message>
    <message>
        <source>GRU units = {hidden} // 4 * 3 = {units}</source>
        <translation>GRU 单元数 = {hidden} // 4 * 3 = {units}</translation>
    </message>
    <message>
        <source>{rows} GRU rows per step · about {size} of working memory per step</source>
        <translation>每步 {rows} 个 GRU 行 · 每步约需 {size} 工作内存</translation>
    </message>
    <message>
        <source>Each step&apos;s hidden state is {state} ({rows} GRU rows), and a step needs about {work} of working memory. The window copies and draws every state it shows, and the history holds only about {held} of them: stepping will be slow and the window may stop answering for a while. Apply it anyway?</source>
        <translation>每步的隐藏状态有 {state}（{rows} 个 GRU 行），每步约需 {work} 工作内存。窗口会复制并绘制它显示的每个状态，而历史只能保留其中约 {held} 个：单步运行会很慢，窗口可能暂时无响应。仍要应用吗？</translation>
    </message>
    <message>
        <source>Computing the branch up to t = {t}…</source>
        <translation>正在计算分支，直到 t = {t}…</translation>
    </message>
    <message>
        <source>Branch made: the session with {edits}, stepped beside it</source>
        <translation>分支已创建：带 {edits} 的会话，与原会话并列单步运行</translation>
    </message>
    <message>
        <source>Edit memory: {why}</source>
        <translation>编辑记忆：{why}</translation>
    </message>
    <message>
        <source>{help} (one of {choices})</source>
        <translation>{help}（可选：{choices}）</translation>
    </message>
    <message>
        <source>{tip}; the checkpoint holds one network for each of {n} agents</source>
        <translation>{tip}；检查点为 {n} 个智能体各保存一个网络</translation>
    </message>
    <message>
        <source>agents (and landmarks)</source>
        <translation>智能体数（以及地标数）</translation>
    </message>
    <message>
        <source>steps per episode</source>
        <translation>每回合步数</translation>
    </message>
    <message>
        <source>weight of each agent&apos;s own collision penalty against the shared reward</source>
        <translation>每个智能体自身碰撞惩罚相对于共享奖励的权重</translation>
    </message>
    <message>
        <source>the field is size × size cells</source>
        <translation>场地为 “size” × “size” 个格子</translation>
    </message>
    <message>
        <source>agents</source>
        <translation>智能体数</translation>
    </message>
    <message>
        <source>food items at the start of an episode</source>
        <translation>回合开始时的食物数</translation>
    </message>
    <message>
        <source>how many cells each agent sees around it (0: the whole field)</source>
        <translation>每个智能体能看到周围多少格（0：整个场地）</translation>
    </message>
    <message>
        <source>steps per episode at most</source>
        <translation>每回合最多步数</translation>
    </message>
    <message>
        <source>every food needs all players to load it</source>
        <translation>每份食物都需要所有玩家一起装载</translation>
    </message>
    <message>
        <source>players&apos; levels are 1..this</source>
        <translation>玩家等级为 1 到此值</translation>
    </message>
    <message>
        <source>food levels are 1..this (0: up to the sum of the 3 highest players)</source>
        <translation>食物等级为 1 到此值（0：最高为等级最高的 3 个玩家之和）</translation>
    </message>
    <message>
        <source>reward lost by each player of a failed load</source>
        <translation>装载失败时每个参与玩家损失的奖励</translation>
    </message>
    <message>
        <source>give the package&apos;s valid moves as action masks</source>
        <translation>将软件包给出的合法动作作为动作掩码</translation>
    </message>
    <message>
        <source>warehouse size</source>
        <translation>仓库大小</translation>
    </message>
    <message>
        <source>robots</source>
        <translation>机器人数</translation>
    </message>
    <message>
        <source>requested shelves: easy 2×, normal 1×, hard 0.5× the robots</source>
        <translation>请求的货架数：“easy”为机器人数的 2 倍，“normal”为 1 倍，“hard”为 0.5 倍</translation>
    </message>
    <message>
        <source>end an episode after this many steps without a delivery (0: never)</source>
        <translation>连续这么多步没有送达则结束回合（0：从不）</translation>
    </message>
    <message>
        <source>cells each robot sees around it</source>
        <translation>每个机器人能看到周围的格数</translation>
    </message>
    <message>
        <source>shelves per column</source>
        <translation>每列货架数</translation>
    </message>
    <message>
        <source>who is rewarded for a delivery</source>
        <translation>送达时谁获得奖励</translation>
    </message>
    <message>
        <source>a VMAS scenario (balance, transport, dispersion, navigation, ...)</source>
        <translation>VMAS 场景（“balance”、“transport”、“dispersion”、“navigation”等）</translation>
    </message>
    <message>
        <source>agents, for scenarios that take it (0: the scenario&apos;s default)</source>
        <translation>智能体数，用于接受此参数的场景（0：场景的默认值）</translation>
    </message>
    <message>
        <source>steps per episode at most (0: the scenario decides alone)</source>
        <translation>每回合最多步数（0：由场景自行决定）</translation>
    </message>
    <message>
        <source>hiddenscope — replace file?</source>
        <translation>hiddenscope — 替换文件？</translation>
    </message>
    <message>
        <source>{path} already exists. Replace it?</source>
        <translation>{path} 已存在。要替换它吗？</translation>
    </message>
    <message>
        <source>Save heatmap screenshot</source>
        <translation>保存热图截图</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <source>Copied the heatmap grid to the clipboard</source>
        <translation>已将热图网格复制到剪贴板</translation>
    </message>
    <message>
        <source>NumPy archive (*.npz)</source>
        <translation>NumPy 归档 (*.npz)</translation>
    </message>
    <message>
        <source>Exported {n} timesteps to {path}</source>
        <translation>已将 {n} 个时间步导出到 {path}</translation>
    </message>
    <message>
        <source>Checkpoints (*.th *.pt *.pth *.safetensors);;All files (*)</source>
        <translation>检查点 (*.th *.pt *.pth *.safetensors);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Loaded {what}: {units} GRU units, {config}</source>
        <translation>已加载 {what}：{units} 个 GRU 单元，{config}</translation>
    </message>
    <message>
        <source>Seed model: {config}</source>
        <translation>种子模型：{config}</translation>
    </message>
    <message>
        <source>Arrays (*.npy *.npz *.pt);;All files (*)</source>
        <translation>数组 (*.npy *.npz *.pt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>; {n} NaN/Inf values, drawn black</source>
        <translation>；{n} 个 NaN/Inf 值，以黑色绘制</translation>
    </message>
    <message>
        <source>Inputs from {source}</source>
        <translation>输入来自 {source}</translation>
    </message>
    <message>
        <source>Inputs: {source}</source>
        <translation>输入：{source}</translation>
    </message>
    <message>
        <source>Pattern inputs</source>
        <translation>内置模式输入</translation>
    </message>
    <message>
        <source>Sessions (*.h5 *.hdf5);;All files (*)</source>
        <translation>会话 (*.h5 *.hdf5);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Comparing with {path} (t = {first}..{last})</source>
        <translation>正在与 {path} 比较（t = {first}..{last}）</translation>
    </message>
    <message>
        <source>Comparing with {path}, stepped on the same inputs</source>
        <translation>正在与 {path} 比较，使用相同的输入单步运行</translation>
    </message>
    <message>
        <source>Recording stopped: the run started over; {held}</source>
        <translation>录制已停止：运行重新开始；{held}</translation>
    </message>
    <message>
        <source>Recording stopped: {why}</source>
        <translation>录制已停止：{why}</translation>
    </message>
    <message>
        <source>{name} holds 1 step</source>
        <translation>{name} 含 1 步</translation>
    </message>
    <message>
        <source>{name} holds {n} steps</source>
        <translation>{name} 含 {n} 步</translation>
    </message>
    <message>
        <source>Replaying {name} (t = {first}..{last}): Step, Back, the timeline and Play move through it</source>
        <translation>正在回放 {name}（t = {first}..{last}）：用单步、后退、时间轴和播放在其中移动</translation>
    </message>
    <message>
        <source>a model</source>
        <translation>某个模型</translation>
    </message>
    <message>
        <source>{name}: waiting for steps (no step written yet)</source>
        <translation>{name}：正在等待新步（尚未写入任何步）</translation>
    </message>
    <message>
        <source>Following {name}: t = {first}..{last}</source>
        <translation>正在跟随 {name}：t = {first}..{last}</translation>
    </message>
    <message>
        <source>waiting for steps</source>
        <translation>正在等待新步</translation>
    </message>
    <message>
        <source>Closed {name}; back to the live run</source>
        <translation>已关闭 {name}；回到实时运行</translation>
    </message>
    <message>
        <source>{name} (recorded session, t = {first}..{last})</source>
        <translation>{name}（录制的会话，t = {first}..{last}）</translation>
    </message>
    <message>
        <source>Session (*.h5 *.hdf5)</source>
        <translation>会话 (*.h5 *.hdf5)</translation>
    </message>
    <message>
        <source>Recording to {path} from t = {t}</source>
        <translation>从 t = {t} 开始录制到 {path}</translation>
    </message>
    <message>
        <source>Recorded {path}: {held}</source>
        <translation>已录制 {path}：{held}</translation>
    </message>
    <message>
        <source>1 step</source>
        <translation>1 步</translation>
    </message>
    <message>
        <source>{n} steps</source>
        <translation>{n} 步</translation>
    </message>
    <message>
        <source>t = {start}..{stop} is not held: it holds t = {first}..{last}</source>
        <translation>未保留 t = {start}..{stop}：只保留了 t = {first}..{last}</translation>
    </message>
    <message>
        <source>(a recording has no more steps)</source>
        <translation>（录制中没有更多的步）</translation>
    </message>
    <message>
        <source>Writing {name}…</source>
        <translation>正在写入 {name}…</translation>
    </message>
    <message>
        <source>Movie cancelled; {name} was not written</source>
        <translation>影片已取消；未写入 {name}</translation>
    </message>
    <message>
        <source>Saved {path}: {n} frames, t = {start}..{stop}</source>
        <translation>已保存 {path}：{n} 帧，t = {start}..{stop}</translation>
    </message>
    <message>
        <source>SVG figure (*.svg);;PDF document (*.pdf)</source>
        <translation>SVG 图形 (*.svg);;PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <source>{name}: a figure is saved as .svg or .pdf</source>
        <translation>{name}：图形只能保存为 .svg 或 .pdf</translation>
    </message>
    <message>
        <source>Movie (*{suffix})</source>
        <translation>影片 (*{suffix})</translation>
    </message>
    <message>
        <source>{label} was closed: {why}</source>
        <translation>{label} 已关闭：{why}</translation>
    </message>
    <message>
        <source>{why}. The steps that can be read are still shown.</source>
        <translation>{why}。仍显示可以读取的步。</translation>
    </message>
    <message>
        <source>Out of memory: choose a smaller configuration.</source>
        <translation>内存不足：请选择更小的配置。</translation>
    </message>
    <message>
        <source>The step failed; back to t = 0 so that the model and its inputs start over together</source>
        <translation>单步失败；回到 t = 0，让模型和输入一起重新开始</translation>
    </message>
    <message>
        <source>t = {t} is the oldest timestep held in history</source>
        <translation>t = {t} 是历史中保留的最早时间步</translation>
    </message>
    <message>
        <source>its {h} equals the recorded one</source>
        <translation>其 {h} 与录制的一致</translation>
    </message>
    <message>
        <source>but its {h} differs from the recorded one by up to {diff}: the model does not repeat itself, so the step that ran may have done something else</source>
        <translation>但其 {h} 与录制的相差最多 {diff}：模型的结果不可重复，因此当时运行的那一步可能做了别的事</translation>
    </message>
    <message>
        <source>Step {t} re-run from {h} and its inputs: {n} ops traced; {check}</source>
        <translation>第 {t} 步已从 {h} 及其输入重新运行：追踪了 {n} 个运算；{check}</translation>
    </message>
    <message>
        <source>Rebuilt: {config} on {device}</source>
        <translation>已重建：{config}，运行于 {device}</translation>
    </message>
    <message>
        <source>Nothing to compare with: File → Compare with session… or Compare with checkpoint…</source>
        <translation>没有可比较的对象：请使用 文件 → 与会话比较… 或 与检查点比较…</translation>
    </message>
    <message>
        <source>Select units: {why}</source>
        <translation>选择单元：{why}</translation>
    </message>
    <message>
        <source>Unknown unit ordering {by}; use one of {orders}</source>
        <translation>未知的单元排序方式 {by}；可用：{orders}</translation>
    </message>
    <message>
        <source>agents: {item} is not N or A-B (e.g. 0-2, 4)</source>
        <translation>智能体：{item} 不是 N 或 A-B 形式（例如 0-2, 4）</translation>
    </message>
    <message>
        <source>agents: {item} runs backwards</source>
        <translation>智能体：{item} 的范围是倒序的</translation>
    </message>
    <message>
        <source>agents: {agent} is out of range (0–{last})</source>
        <translation>智能体：{agent} 超出范围（0–{last}）</translation>
    </message>
    <message>
        <source>agents: name at least one agent, e.g. 0-2, 4</source>
        <translation>智能体：请至少指定一个智能体，例如 0-2, 4</translation>
    </message>
    <message>
        <source>beyond ±{threshold}</source>
        <translation>超出 ±{threshold}</translation>
    </message>
    <message>
        <source>No unit stays {side} over {where}.</source>
        <translation>在 {where} 内没有单元始终 {side}。</translation>
    </message>
    <message>
        <source> and {n} more</source>
        <translation> 等另外 {n} 个</translation>
    </message>
    <message>
        <source>1 unit stay {side} over {where}: {units}</source>
        <translation>1 个单元在 {where} 内始终 {side}：{units}</translation>
    </message>
    <message>
        <source>{n} units stay {side} over {where}: {units}</source>
        <translation>{n} 个单元在 {where} 内始终 {side}：{units}</translation>
    </message>
    <message>
        <source>agent {items}</source>
        <translation>智能体 {items}</translation>
    </message>
    <message>
        <source>agents {items}</source>
        <translation>智能体 {items}</translation>
    </message>
    <message>
        <source>row {items}</source>
        <translation>行 {items}</translation>
    </message>
    <message>
        <source>rows {items}</source>
        <translation>行 {items}</translation>
    </message>
    <message>
        <source>Units marked from another view: {units}. Drag a range to select here.</source>
        <translation>由其他视图标记的单元：{units}。在此拖动一个范围即可在这里选择。</translation>
    </message>
    <message>
        <source>Waiting for the step in progress to finish…</source>
        <translation>正在等待进行中的一步完成…</translation>
    </message>
    <message>
        <source>Play&apos;s worker is still in a step after {s} s; it ends when that step does</source>
        <translation>{s} 秒后播放的工作线程仍在运行一步；该步结束时它就会结束</translation>
    </message>
    <message>
        <source>+{n} weights</source>
        <translation>+{n} 个权重</translation>
    </message>
    <message>
        <source>stride {stride}: {values} values shown, but only {numbers} numbers in memory — every row is the same numbers, nothing was copied</source>
        <translation>步长 {stride}：显示了 {values} 个值，但内存中只有 {numbers} 个数 — 每一行都是同样的数，没有发生复制</translation>
    </message>
    <message>
        <source>the note&apos;s table says ({batch}, {agents}, {units}); the code keeps {shape}: batch and agents stay flattened between steps</source>
        <translation>笔记中的表格写的是 ({batch}, {agents}, {units})；代码保存的是 {shape}：批次和智能体在各步之间一直是展平的</translation>
    </message>
    <message>
        <source>input</source>
        <comment>tensor role</comment>
        <translation>输入</translation>
    </message>
    <message>
        <source>hidden</source>
        <comment>tensor role</comment>
        <translation>隐藏状态</translation>
    </message>
    <message>
        <source>output</source>
        <comment>tensor role</comment>
        <translation>输出</translation>
    </message>
    <message>
        <source>new hidden</source>
        <comment>tensor role</comment>
        <translation>新隐藏状态</translation>
    </message>
    <message>
        <source>reset</source>
        <comment>tensor role</comment>
        <translation>重置</translation>
    </message>
    <message>
        <source>other</source>
        <comment>tensor role</comment>
        <translation>其他</translation>
    </message>
    <message>
        <source>{name}: this is saved as {formats}; choose a name ending in {formats}</source>
        <translation>{name}：此处保存为 {formats} 格式；请选择以 {formats} 结尾的文件名</translation>
    </message>
    <message>
        <source>{env} runs {n} agents: change the count with File → Inputs from an environment… (Ctrl+Shift+E)</source>
        <translation>{env} 运行 {n} 个智能体：请通过 文件 → 来自环境的输入…（Ctrl+Shift+E）更改数量</translation>
    </message>
    <message>
        <source>Started over at t = 0 from init_hidden; the {n} steps held before were cleared</source>
        <translation>已从 init_hidden 在 t = 0 重新开始；之前保存的 {n} 步已清除</translation>
    </message>
    <message>
        <source>The configuration was kept as it was: {label}</source>
        <translation>配置保持不变：{label}</translation>
    </message>
    <message>
        <source>{name}: a new recording there, waiting for its steps</source>
        <translation>{name}：此处有新的录制，正在等待其步</translation>
    </message>
    <message>
        <source>A recorded session is on screen: close it first (File → Close session), then drop {name}</source>
        <translation>屏幕上是已录制的会话：请先关闭它（文件 → 关闭会话），再拖放 {name}</translation>
    </message>
    <message>
        <source>as the run chooses: its config&apos;s action_selector (greedy without one)</source>
        <translation>按运行的选择：其配置中的 action_selector（没有时为贪心）</translation>
    </message>
    <message>
        <source>kept as {shape} between steps, not ({batch}, {agents}, {units}): batch and agents stay flattened</source>
        <translation>步与步之间保存为 {shape}，而不是 ({batch}, {agents}, {units})：批次和智能体保持展平</translation>
    </message>
    <message>
        <source>greedy</source>
        <translation>贪心</translation>
    </message>
    <message>
        <source>sample</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>{name} was replaced by a new recording (one made with force): following it from its start</source>
        <translation>{name} 已被新的录制替换（使用 force 录制）：从其开头开始跟随</translation>
    </message>
</context>
</TS>
