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
        <source>Back to t = 0 and clear the history</source>
        <translation>回到 t = 0 并清空历史</translation>
    </message>
    <message>
        <source>Save the heatmap grid as a PNG</source>
        <translation>将热图网格保存为 PNG</translation>
    </message>
    <message>
        <source>init_hidden(): start from the model's initial hidden state</source>
        <translation>init_hidden()：从模型的初始隐藏状态开始</translation>
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
        <translation>从形状为 (T, batch, n_agents, input) 或 (T, n_agents, input) 的 .npy、.npz 或 .pt 文件读取输入</translation>
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
        <translation>要编辑其状态的智能体：all、单个索引 (3)、范围 (0-2) 或逗号分隔的列表 (0,2,5-7)</translation>
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
        <translation>批次行：all、单个索引 (3)、范围 (0-2) 或逗号分隔的列表 (0,2,5-7)</translation>
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
        <translation>GRU 单元：all、单个索引 (3)、范围 (0-2) 或逗号分隔的列表 (0,2,5-7)</translation>
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
        <translation>greedy（贪心）：选取允许的最佳动作（Q 值或 logits 的 argmax）</translation>
    </message>
    <message>
        <source>sample: draw from the policy's probabilities (pi_logits agents)</source>
        <translation>sample（采样）：按策略的概率抽取动作（pi_logits 智能体）</translation>
    </message>
</context>
</TS>
